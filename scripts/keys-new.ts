// `npm run keys:new -- --name team-a [--rpm 60] [--tokens-per-day 500000] [--models gpt-oss-120b,cerebras/qwen-3.8-27b] [--admin]`:
// prints a new client access key, once, and the entry to add to the GATEWAY_API_KEYS file. The
// gateway keeps only the key's SHA-256, so the key itself cannot be shown again: lost means replaced.
import { parseArgs } from 'node:util';
import { generateAccessKey, hashAccessKey, KEY_NAME_PATTERN, KEY_NAME_RULE, type AccessKeyEntry } from '../src/access/access-key.js';

const USAGE = 'usage: npm run keys:new -- --name <name> [--rpm <n>] [--tokens-per-day <n>] [--models <id,provider/id,...>] [--admin]';

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function positiveInteger(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) fail(`--${option} must be a whole number of at least 1`);
  return Number(value);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      name: { type: 'string' },
      rpm: { type: 'string' },
      'tokens-per-day': { type: 'string' },
      models: { type: 'string' },
      // May read every client's traffic: /usage, /metrics.
      admin: { type: 'boolean' },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}

const text = (option: string): string | undefined => values[option] as string | undefined;
const name = text('name') ?? fail('--name is required');
if (!KEY_NAME_PATTERN.test(name)) fail(`--name must be ${KEY_NAME_RULE}`);
const requestsPerMinute = positiveInteger('rpm', text('rpm'));
const tokensPerDay = positiveInteger('tokens-per-day', text('tokens-per-day'));
const models = text('models')?.split(',').map((model) => model.trim());
if (models && (models.includes('') || new Set(models).size !== models.length)) {
  fail('--models must be a comma-separated list of distinct model ids or provider/id keys');
}

const key = generateAccessKey();
const limits = {
  ...(requestsPerMinute !== undefined ? { requestsPerMinute } : {}),
  ...(tokensPerDay !== undefined ? { tokensPerDay } : {}),
};
const entry: AccessKeyEntry = {
  name,
  sha256: hashAccessKey(key),
  ...(Object.keys(limits).length > 0 ? { limits } : {}),
  ...(models ? { models } : {}),
  ...(values.admin === true ? { admin: true } : {}),
};

console.log(`New access key for "${name}". Give it to its user now: it is shown this once and cannot be shown again.

${key}

Add this entry to the JSON array in the GATEWAY_API_KEYS file, then restart the gateway:

${JSON.stringify(entry)}

Clients send it as "Authorization: Bearer <key>" (the openai SDK's apiKey) or "x-api-key: <key>".`);
