// The documented example (examples/models-with-ollama.json, in docs/configuration.md): the built-in
// catalog plus a local Ollama server as the fallback for gpt-oss-20b, in one file. It must load, stay
// the built-in catalog plus that fallback, and serve: Groq first, Ollama when Groq is limited.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../../../src/config/default-catalog.js';
import { loadModelCatalog } from '../../../src/config/model-catalog.loader.js';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { hello, postChat } from '../../support/gateway-harness.js';

const EXAMPLE = join(import.meta.dirname, '../../../examples/models-with-ollama.json');
const start = gatewayPerTest();

describe('examples/models-with-ollama.json', () => {
  it('is the built-in catalog, gpt-oss-20b made one model, plus a local Ollama deployment of it', () => {
    const { providers, models } = loadModelCatalog(EXAMPLE);
    expect(providers).toEqual([{ name: 'ollama', kind: 'openai-compatible', baseUrl: 'http://localhost:11434/v1', firstTokenTimeoutMs: 60_000 }]);
    const builtIn = DEFAULT_MODELS.map((entry) => (entry.id === 'openai/gpt-oss-20b' ? { ...entry, model: 'gpt-oss-20b' } : entry));
    expect(models.filter((entry) => entry.provider !== 'ollama')).toEqual(builtIn);
    expect(models.filter((entry) => entry.provider === 'ollama')).toEqual([expect.objectContaining({ id: 'gpt-oss:20b', model: 'gpt-oss-20b', priority: 10 })]);
  });

  it('serves gpt-oss-20b from Groq, and from the local server when Groq is limited', async () => {
    const gw = await start({ env: { ROTATION_STRATEGY: 'priority' } });
    // The example as a user would point it at their Ollama: here the simulator's OpenAI-compatible server.
    const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { providers: Array<{ baseUrl: string }> };
    example.providers[0]!.baseUrl = gw.sim.localBaseUrl;
    const file = join(tmpdir(), `models-with-ollama-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(example));
    const gateway = await start({ sim: gw.sim, env: { MODELS_FILE: file, ROTATION_STRATEGY: 'priority' } });

    const first = (await (await postChat(gateway, { ...hello, model: 'gpt-oss-20b', stream: false })).json()) as { provider: string };
    expect(first.provider).toBe('groq');
    gw.sim.setBehaviour('groq', 'openai/gpt-oss-20b', { kind: 'error', status: 429, headers: { 'retry-after': '60' } });
    const fallback = (await (await postChat(gateway, { ...hello, model: 'gpt-oss-20b', stream: false })).json()) as { provider: string; model: string };
    expect(fallback).toMatchObject({ provider: 'ollama', model: 'gpt-oss:20b' });
    expect(gw.sim.requestsFor('local', 'gpt-oss:20b')).toHaveLength(1);
  });
});
