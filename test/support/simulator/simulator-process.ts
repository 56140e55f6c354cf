// The provider simulator in a process of its own, so that its CPU, heap and event loop are not
// measured as the gateway's or the load generator's. The benchmark (bench/run.ts, with
// bench/probe.mjs preloaded) and the load suite (test/load/load-harness.ts) spawn it with an IPC
// channel and drive it with messages:
//   { id, op: 'sim:behaviour', behaviour }  every model answers like this from now on
//   { id, op: 'sim:streams' }               -> StreamStats (open now, peak open, started, aborted)
//   { id, op: 'sim:reset-streams' }         starts a new peak
// It announces itself with { op: 'sim:ready', groqBaseUrl, cerebrasBaseUrl } and exits when the
// parent goes away.
import { ProviderSimulator, type Behaviour, type ProviderName } from './provider-simulator.js';
import { KNOWN_MODELS } from './scenarios.js';

type Message = { id: number; op: 'sim:behaviour'; behaviour: Behaviour } | { id: number; op: 'sim:streams' | 'sim:reset-streams' };

if (!process.send) {
  console.error('test/support/simulator/simulator-process.ts is started by the benchmark or the load suite (it needs an IPC channel)');
  process.exit(2);
}
const send = process.send.bind(process);

// recordRequests: false keeps the simulator's memory flat over hundreds of thousands of requests;
// the backlog takes a thousand connections arriving at once (the kernel caps it at somaxconn), so
// a connection that waits in a full accept queue waits at the gateway, not here.
const sim = new ProviderSimulator({ models: KNOWN_MODELS, recordRequests: false, backlog: 4_096 });
await sim.start();

// The simulator counts a small free-tier quota down in its rate-limit headers, and the gateway
// rightly skips a deployment whose provider reports none left. An account under load is never
// short of quota: the headers are still sent (and parsed by the gateway), with room to spare.
const PLENTY = '1000000000';
const UNLIMITED_HEADERS: Record<ProviderName, Record<string, string>> = {
  groq: {
    'x-ratelimit-limit-requests': PLENTY,
    'x-ratelimit-limit-tokens': PLENTY,
    'x-ratelimit-remaining-requests': PLENTY,
    'x-ratelimit-remaining-tokens': PLENTY,
  },
  cerebras: {
    'x-ratelimit-limit-requests-day': PLENTY,
    'x-ratelimit-limit-tokens-minute': PLENTY,
    'x-ratelimit-remaining-requests-day': PLENTY,
    'x-ratelimit-remaining-tokens-minute': PLENTY,
  },
  // A generic server sends none.
  local: {},
};
for (const provider of ['groq', 'cerebras'] as const) {
  for (const model of KNOWN_MODELS[provider]) sim.setRateLimitHeaders(provider, model, UNLIMITED_HEADERS[provider]);
}

process.on('message', (message: Message) => {
  switch (message?.op) {
    case 'sim:behaviour':
      sim.setDefaultBehaviour(message.behaviour);
      return send({ id: message.id, result: null });
    case 'sim:streams':
      return send({ id: message.id, result: sim.streamStats() });
    case 'sim:reset-streams':
      sim.resetStreamStats();
      return send({ id: message.id, result: null });
  }
});

const stop = () => void sim.stop().finally(() => process.exit(0));
process.on('disconnect', stop);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

send({ op: 'sim:ready', groqBaseUrl: sim.groqBaseUrl, cerebrasBaseUrl: sim.cerebrasBaseUrl });
