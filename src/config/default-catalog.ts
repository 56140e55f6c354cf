import type { ModelDefaults, ModelEntry } from './model-catalog.js';
import type { ModelLimits } from './model-limits.dto.js';

/** The built-in catalog: what the gateway serves when MODELS_FILE is unset. */
const groqFreeTier: ModelLimits = {
  requestsPerMinute: 30,
  requestsPerDay: 1_000,
  tokensPerMinute: 8_000,
  tokensPerDay: 200_000,
};

const cerebrasTrial: ModelLimits = {
  requestsPerMinute: 5,
  requestsPerDay: 14_400,
  tokensPerMinute: 30_000,
  tokensPerHour: 1_000_000,
  tokensPerDay: 1_000_000,
};

// A tight completion cap matters: providers reserve prompt + max completion tokens against TPM.
const defaults: ModelDefaults = { temperature: 0.7, maxCompletionTokens: 1_024, topP: 1 };

/** The built-in catalog (late 2026 model ids); MODELS_FILE replaces it. */
export const DEFAULT_MODELS: ModelEntry[] = [
  {
    id: 'openai/gpt-oss-120b',
    model: 'gpt-oss-120b',
    provider: 'groq',
    name: 'GPT-OSS 120B (Groq)',
    enabled: true,
    priority: 1,
    limits: groqFreeTier,
    defaults,
  },
  {
    id: 'gpt-oss-120b',
    provider: 'cerebras',
    name: 'GPT-OSS 120B (Cerebras)',
    enabled: true,
    priority: 2,
    limits: cerebrasTrial,
    defaults,
  },
  {
    id: 'openai/gpt-oss-20b',
    provider: 'groq',
    name: 'GPT-OSS 20B (Groq)',
    enabled: true,
    priority: 3,
    limits: groqFreeTier,
    defaults,
  },
  {
    id: 'qwen/qwen3.8-27b',
    provider: 'groq',
    name: 'Qwen3.8 27B (Groq, preview)',
    enabled: true,
    priority: 4,
    limits: groqFreeTier,
    defaults,
  },
  {
    id: 'qwen-3.8-27b',
    provider: 'cerebras',
    name: 'Qwen 3.8 27B (Cerebras)',
    enabled: true,
    priority: 5,
    limits: cerebrasTrial,
    defaults,
  },
];
