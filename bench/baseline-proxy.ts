// The floor a Node gateway stands on: a bare pass-through proxy on the same stack as the
// gateway (Fastify, undici `request` on an unbounded keep-alive pool), with no validation, no
// routing decision, no SDK and no re-framing: it parses the client's JSON body, sends the
// gateway's upstream request to the simulator's Groq endpoint and copies the response bytes
// back. What it adds to direct is what any Node proxy pays on this machine; what the gateway
// adds beyond it is the gateway's own work. bench/run.ts spawns it with an IPC channel and the
// probe; it announces { op: 'baseline:ready', port } and exits when the parent goes away.
import Fastify from 'fastify';
import { Agent, request } from 'undici';
import { upstreamRequestBody } from './workload.js';

if (!process.send) {
  console.error('bench/baseline-proxy.ts is started by bench/run.ts (it needs an IPC channel)');
  process.exit(2);
}
const send = process.send.bind(process);
const upstream = process.env.BASELINE_UPSTREAM_URL;
if (!upstream) throw new Error('BASELINE_UPSTREAM_URL is not set');

const pool = new Agent({ connections: null, keepAliveTimeout: 30_000 });
const app = Fastify({ logger: false });

app.post('/chat', async (req, reply) => {
  const { messages } = req.body as { messages: unknown };
  const response = await request(upstream, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench-not-a-key' },
    body: upstreamRequestBody(messages),
    dispatcher: pool,
  });
  reply.hijack();
  reply.raw.writeHead(response.statusCode, { 'content-type': 'text/event-stream; charset=utf-8' });
  for await (const chunk of response.body) reply.raw.write(chunk);
  reply.raw.end();
});

await app.listen({ port: 0, host: '127.0.0.1', backlog: 4_096 });
const address = app.server.address();
const stop = () => void app.close().finally(() => process.exit(0));
process.on('disconnect', stop);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
send({ op: 'baseline:ready', port: typeof address === 'object' && address ? address.port : 0 });
