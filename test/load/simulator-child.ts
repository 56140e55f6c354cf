// The provider simulator in a process of its own, so that its work is not measured as the
// gateway's event-loop delay or heap. Started by load-harness.ts (`node --import tsx`, with an
// IPC channel) and driven by messages:
//   { id, op: 'behaviour', behaviour }  every model answers like this from now on
//   { id, op: 'streams' }               -> StreamStats
//   { id, op: 'reset-streams' }         counts start again from 0
// It announces { op: 'ready', groqBaseUrl, cerebrasBaseUrl } and exits when the parent goes away.
import { ProviderSimulator, type Behaviour, type ProviderName } from '../simulator/provider-simulator.js';
import { KNOWN_MODELS } from '../simulator/scenarios.js';

type Message = { id: number; op: 'behaviour'; behaviour: Behaviour } | { id: number; op: 'streams' | 'reset-streams' };

if (!process.send) {
  console.error('test/load/simulator-child.ts is started by the load suite (it needs an IPC channel)');
  process.exit(2);
}
const send = process.send.bind(process);

// recordRequests: false keeps the simulator's memory flat over a long soak; the backlog takes a
// thousand connections arriving at once.
const sim = new ProviderSimulator({ models: KNOWN_MODELS, recordRequests: false, backlog: 4_096 });
await sim.start();

// The simulator counts a free-tier quota down in its rate-limit headers, and the gateway rightly
// skips a deployment whose provider reports none left; this account is never short of quota.
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
};
for (const provider of ['groq', 'cerebras'] as const) {
  for (const model of KNOWN_MODELS[provider]) sim.setRateLimitHeaders(provider, model, UNLIMITED_HEADERS[provider]);
}

process.on('message', (message: Message) => {
  switch (message?.op) {
    case 'behaviour':
      sim.setDefaultBehaviour(message.behaviour);
      return send({ id: message.id, result: null });
    case 'streams':
      return send({ id: message.id, result: sim.streamStats() });
    case 'reset-streams':
      sim.resetStreamStats();
      return send({ id: message.id, result: null });
  }
});

const stop = () => void sim.stop().finally(() => process.exit(0));
process.on('disconnect', stop);
process.once('SIGTERM', stop);

send({ op: 'ready', groqBaseUrl: sim.groqBaseUrl, cerebrasBaseUrl: sim.cerebrasBaseUrl });
