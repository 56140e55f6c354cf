// Standalone provider simulator: `node --import tsx test/support/simulator/main.ts`
//   SIMULATOR_PORT      port to listen on (default 4010)
//   SIMULATOR_SCENARIO  'default' or 'demo' (Groq openai/gpt-oss-120b answers 429, others stream slowly)
import { startSimulator, type ScenarioName } from './scenarios.js';
// Reuse from other scripts via `startSimulator` in ./scenarios.js (importing this file starts a server).

const SCENARIOS: readonly ScenarioName[] = ['default', 'demo'];

const port = Number(process.env.SIMULATOR_PORT ?? 4010);
const scenarioEnv = process.env.SIMULATOR_SCENARIO ?? 'default';
const scenario = SCENARIOS.find((s) => s === scenarioEnv);
if (!scenario || !Number.isInteger(port)) {
  console.error(`Usage: SIMULATOR_PORT=<port> SIMULATOR_SCENARIO=<${SCENARIOS.join('|')}>`);
  process.exit(2);
}

const sim = await startSimulator({
  port,
  scenario,
  onRequest: (request, behaviour) => {
    const status = behaviour.kind === 'error' ? `error ${behaviour.status}` : behaviour.kind;
    console.log(`${request.provider} ${request.model} stream=${request.stream} -> ${status}`);
  },
});

console.log(`Provider simulator (scenario: ${scenario})`);
console.log(`  GROQ_BASE_URL=${sim.groqBaseUrl}`);
console.log(`  CEREBRAS_BASE_URL=${sim.cerebrasBaseUrl}`);
console.log(`  an OpenAI-compatible server (a catalog file's "baseUrl"): ${sim.localBaseUrl}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void sim.stop().then(() => process.exit(0)));
}
