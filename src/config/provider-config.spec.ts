import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { resolveProviders, type ProviderEnvironment } from './provider-config.js';

const env = (variables: Record<string, string>, urls: Partial<ProviderEnvironment> = {}): ProviderEnvironment => ({
  variable: (name) => variables[name],
  ...urls,
});

describe('resolveProviders', () => {
  it('serves Groq and Cerebras by default, with their keys and base URLs from the environment', () => {
    const providers = resolveProviders([], env({ GROQ_API_KEY: 'gsk_1' }, { cerebrasBaseUrl: 'http://cerebras.test' }));
    expect(providers).toEqual([
      { name: 'groq', kind: 'groq', apiKeyVariable: 'GROQ_API_KEY', baseUrl: undefined, apiKey: 'gsk_1' },
      { name: 'cerebras', kind: 'cerebras', apiKeyVariable: 'CEREBRAS_API_KEY', baseUrl: 'http://cerebras.test' },
    ]);
  });

  it('adds the declared providers after them, each with the key its variable holds (none without a variable)', () => {
    const providers = resolveProviders(
      [
        { name: 'openrouter', kind: 'openai-compatible', baseUrl: 'https://openrouter.ai/api/v1', apiKeyVariable: 'OPENROUTER_API_KEY' },
        { name: 'ollama', kind: 'openai-compatible', baseUrl: 'http://localhost:11434/v1' },
      ],
      env({ OPENROUTER_API_KEY: 'sk-or-1', GROQ_API_KEY: 'gsk_1' }),
    );
    expect(providers.map((provider) => [provider.name, provider.apiKey])).toEqual([
      ['groq', 'gsk_1'],
      ['cerebras', undefined],
      ['openrouter', 'sk-or-1'],
      ['ollama', undefined],
    ]);
  });

  it('lets a declared provider named like a built-in one replace it (a second account, another base URL)', () => {
    const providers = resolveProviders([{ name: 'groq', kind: 'groq', apiKeyVariable: 'GROQ_TEAM_KEY', baseUrl: 'http://proxy.test' }], env({ GROQ_TEAM_KEY: 'gsk_team' }, { groqBaseUrl: 'http://ignored.test' }));
    expect(providers[0]).toEqual({ name: 'groq', kind: 'groq', apiKeyVariable: 'GROQ_TEAM_KEY', baseUrl: 'http://proxy.test', apiKey: 'gsk_team' });
    expect(providers).toHaveLength(2);
  });
});
