// Starts dist/main.js with no provider keys and checks what an orchestrator would see, that the
// built app serves exactly the committed openapi.json, and that the build carries the dashboard's
// page and every file it loads.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

const port = 3977;
const child = spawn(process.execPath, ['dist/main.js'], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', GROQ_API_KEY: '', CEREBRAS_API_KEY: '' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const status = (path) => fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.status, () => 0);

let live = 0;
for (let i = 0; i < 100 && live !== 200; i++) {
  await new Promise((resolve) => setTimeout(resolve, 100));
  live = await status('/health/live');
}
const ready = await status('/health/ready');
const served = await fetch(`http://127.0.0.1:${port}/docs-json`).then((r) => r.json(), () => null);
const page = await fetch(`http://127.0.0.1:${port}/dashboard`).then((r) => (r.ok ? r.text() : ''), () => '');
const assets = [...page.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((match) => match[1]);
const assetStatuses = await Promise.all(assets.map(status));
child.kill('SIGTERM');
const sameSpec = isDeepStrictEqual(served, JSON.parse(readFileSync('openapi.json', 'utf8')));
const dashboard = assets.length === 4 && assetStatuses.every((code) => code === 200);
console.log(
  `live ${live}, ready ${ready}, /docs-json ${sameSpec ? 'matches' : 'DIFFERS FROM'} openapi.json, ` +
    `/dashboard ${dashboard ? 'and its 4 assets served' : `BROKEN (assets ${assets.join(', ') || 'none'}: ${assetStatuses.join(', ')})`}`,
);
if (live !== 200 || ready !== 503 || !sameSpec || !dashboard) process.exit(1);
