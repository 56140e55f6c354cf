// `npm run openapi`: writes openapi.json, the OpenAPI document the app serves at /docs-json.
//
// The app is loaded from src/ through the same SWC transform as the test suite (Vite with the
// plugins of vitest.config.ts), so this file is by construction what
// test/e2e/openapi-artifact.e2e-spec.ts compares it with. It runs with the defaults and no
// provider keys, so the result does not depend on whoever ran it. The npm script first
// regenerates src/metadata.ts (the Swagger plugin's view of the DTOs).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const output = new URL('../openapi.json', import.meta.url);

const vite = await createServer({
  root,
  configFile: `${root}vitest.config.ts`,
  appType: 'custom',
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
});
try {
  const { createApp } = await vite.ssrLoadModule('/src/app.factory.ts');
  const { app } = await createApp({ env: {}, logger: false });
  try {
    await app.init();
    const response = await app.inject({ method: 'GET', url: '/docs-json' });
    if (response.statusCode !== 200) throw new Error(`GET /docs-json answered ${response.statusCode}`);
    // Pretty-printed in the order served, so a change to the API reads as a small diff.
    writeFileSync(output, `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`);
    console.log(`Wrote ${fileURLToPath(output)}`);
  } finally {
    await app.close();
  }
} finally {
  await vite.close();
}
