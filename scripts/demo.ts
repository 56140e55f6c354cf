// `npm run demo`: the built gateway in front of the provider simulator, no keys needed.
// Groq's openai/gpt-oss-120b answers 429, so the first answers show the fallback; the gateway
// then keeps running for curl or Swagger UI until Ctrl-C. `--once` exits after the examples.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startSimulator } from '../test/support/simulator/scenarios.js';

const port = Number(process.env.PORT ?? 3000);
const base = `http://127.0.0.1:${port}`;
const exitAfterExamples = process.argv.includes('--once');

const sim = await startSimulator({ scenario: 'demo' });
const gateway = spawn(process.execPath, ['dist/main.js'], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    GROQ_API_KEY: 'demo-key-not-secret',
    CEREBRAS_API_KEY: 'demo-key-not-secret',
    GROQ_BASE_URL: sim.groqBaseUrl,
    CEREBRAS_BASE_URL: sim.cerebrasBaseUrl,
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});

async function stop(code: number): Promise<never> {
  gateway.kill('SIGTERM');
  await sim.stop();
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
gateway.once('exit', (code) => {
  console.error(`gateway exited (${code})`);
  void sim.stop().then(() => process.exit(code ?? 1));
});

async function waitUntilReady(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`${base}/health/ready`).then((r) => r.ok).catch(() => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the gateway did not become ready');
}

/** Prints each SSE event as it arrives. */
async function streamOnce(label: string, body: unknown): Promise<void> {
  console.log(`\n--- ${label}: POST /chat ${JSON.stringify(body)}`);
  const response = await fetch(`${base}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
  if (!response.ok || !response.body) {
    console.log(`${response.status}`, await response.text());
    return;
  }
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event === 'delta') process.stdout.write(JSON.parse(data!).content);
      else if (event) console.log(`${event === 'meta' ? '' : '\n'}[${event}] ${data}`);
    }
  }
}

try {
  await waitUntilReady();
  const question = { messages: [{ role: 'user', content: 'Why put a gateway in front of LLM providers?' }] };
  await streamOnce('round-robin over all models (Groq gpt-oss-120b is rate limited)', question);
  await streamOnce('the same model id on two providers', { ...question, model: 'gpt-oss-120b' });
  await streamOnce('one deployment pinned as provider/id', { ...question, model: 'groq/openai/gpt-oss-20b' });
  const models = (await (await fetch(`${base}/models`)).json()) as { models: Array<{ key: string; available: boolean; reason?: string }> };
  console.log('\n--- GET /models (availability)');
  for (const entry of models.models) console.log(`${entry.key}: ${entry.available ? 'available' : `unavailable (${entry.reason})`}`);
} catch (error) {
  console.error(error);
  await stop(1);
}

if (exitAfterExamples) await stop(0);
console.log(`\nThe gateway runs at ${base} (Swagger UI: ${base}/docs). Ctrl-C stops it.`);
await once(gateway, 'exit');
