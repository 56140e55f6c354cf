// Ready-made simulator set-ups, shared by the standalone runner (main.ts) and demo scripts.
import { ProviderSimulator, toDeltas, type Behaviour, type ProviderName, type RecordedRequest } from './provider-simulator.js';

export type ScenarioName = 'default' | 'demo';

export interface StartSimulatorOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** Default 'default': every model streams a short answer at once. */
  scenario?: ScenarioName;
  /** Called per chat request, e.g. to log it. */
  onRequest?: (request: RecordedRequest, behaviour: Behaviour) => void;
}

/** The models of providers.md, listed by the models endpoints. */
export const KNOWN_MODELS: Record<ProviderName, string[]> = {
  groq: ['openai/gpt-oss-120b', 'openai/gpt-oss-20b', 'qwen/qwen3.8-27b'],
  cerebras: ['gpt-oss-120b', 'qwen-3.8-27b'],
  local: ['gpt-oss-20b'],
};

const DEMO_ANSWER =
  'A gateway in front of several providers keeps an application responsive when one of them is busy. ' +
  'When a model answers with a rate-limit error, the gateway moves on to the next deployment of the same model ' +
  'or to a comparable one, and remembers to leave the limited model alone until its quota resets. ' +
  'Streaming starts as soon as the first token arrives, so the user sees progress right away.';

/** Realistic pacing: a short think before the first token, then ~30 tokens a second. */
const paced = (text: string): Behaviour => ({
  kind: 'ok',
  content: toDeltas(text),
  firstTokenDelayMs: 250,
  interChunkDelayMs: 30,
});

export function applyScenario(sim: ProviderSimulator, scenario: ScenarioName): void {
  sim.reset();
  if (scenario === 'default') return;

  // demo: the preferred Groq deployment is rate limited, so fallback is visible.
  sim.setDefaultBehaviour(paced(DEMO_ANSWER));
  sim.setBehaviour('groq', 'openai/gpt-oss-120b', {
    kind: 'error',
    status: 429,
    headers: { 'retry-after': '30' },
  });
  sim.setRateLimitHeaders('groq', 'openai/gpt-oss-120b', {
    'x-ratelimit-remaining-tokens': '0',
    'x-ratelimit-reset-tokens': '30s',
  });
}

/** Starts a simulator with a scenario applied; the caller stops it. */
export async function startSimulator(options: StartSimulatorOptions = {}): Promise<ProviderSimulator> {
  const sim = new ProviderSimulator({ port: options.port, models: KNOWN_MODELS, onRequest: options.onRequest });
  await sim.start();
  applyScenario(sim, options.scenario ?? 'default');
  return sim;
}
