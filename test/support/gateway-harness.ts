import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import type { ModelEntry } from '../../src/config/model-catalog.js';
import type { ProviderConfig } from '../../src/config/provider-config.js';
import { ProviderSimulator } from './simulator/provider-simulator.js';
import { modelEntry } from './fixtures.js';

export interface Gateway {
  app: NestFastifyApplication;
  url: string;
  sim: ProviderSimulator;
  close(): Promise<void>;
}

/** What the request helpers need: a gateway in this process (above) or one in its own (gateway-process.ts). */
export type GatewayAddress = Pick<Gateway, 'url'>;

export interface GatewayOptions {
  /** Extra environment; the provider keys and base URLs point at the simulator unless overridden. */
  env?: Record<string, string | undefined>;
  /** A catalog written to a temporary MODELS_FILE. */
  models?: ModelEntry[];
  /**
   * The catalog file's `providers` section. Default: the simulator's generic OpenAI-compatible
   * server as provider `local` (no key) when a model names it.
   */
  providers?: (sim: ProviderSimulator) => ProviderConfig[];
  /** Reuse a running simulator. */
  sim?: ProviderSimulator;
  /** Where the gateway's JSON log lines go; none are written without it. */
  logDestination?: Writable;
}

export const TEST_GROQ_KEY = 'gsk_test_groq_key_0123456789';
export const TEST_CEREBRAS_KEY = 'csk_test_cerebras_key_0123456789';

/** The real app on a free loopback port, its SDKs pointed at an in-process provider simulator. */
export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const sim = options.sim ?? new ProviderSimulator();
  if (!options.sim) await sim.start();
  const env: Record<string, string | undefined> = {
    GROQ_API_KEY: TEST_GROQ_KEY,
    CEREBRAS_API_KEY: TEST_CEREBRAS_KEY,
    GROQ_BASE_URL: sim.groqBaseUrl,
    CEREBRAS_BASE_URL: sim.cerebrasBaseUrl,
    UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: '2000',
    UPSTREAM_IDLE_TIMEOUT_MS: '2000',
    // The simulator lists only the models it was told of: a test that wants discovery turns it on.
    MODEL_DISCOVERY_INTERVAL_MS: '0',
    ...options.env,
  };
  if (options.models) {
    const file = join(tmpdir(), `models-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(catalogFile(options.models, sim, options.providers)));
    env.MODELS_FILE = file;
  }
  const { app } = await createApp({ env, logger: false, logDestination: options.logDestination });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return {
    app,
    url,
    sim,
    async close() {
      await app.close();
      if (!options.sim) await sim.stop();
    },
  };
}

/** The simulator's generic OpenAI-compatible server, declared as a catalog file declares a local one. */
export function localProvider(sim: ProviderSimulator, overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return { name: 'local', kind: 'openai-compatible', baseUrl: sim.localBaseUrl, ...overrides };
}

/** A MODELS_FILE's content: the models, with a `providers` section when any is declared. */
export function catalogFile(models: ModelEntry[], sim: ProviderSimulator, providers?: (sim: ProviderSimulator) => ProviderConfig[]): unknown {
  const declared = providers?.(sim) ?? (models.some((entry) => entry.provider === 'local') ? [localProvider(sim)] : []);
  return declared.length > 0 ? { providers: declared, models } : models;
}

/** A catalog entry with generous limits unless overridden. */
export function model(provider: string, id: string, overrides: Partial<ModelEntry> = {}): ModelEntry {
  return modelEntry(provider, id, {
    name: `${provider} ${id}`,
    limits: { requestsPerMinute: 1000, requestsPerDay: 100_000, tokensPerMinute: 1_000_000, tokensPerDay: 10_000_000 },
    defaults: { temperature: 0.5, maxCompletionTokens: 64, topP: 1 },
    ...overrides,
  });
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Parses an SSE body into events (comments are returned as event `comment`). */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) events.push({ event: 'comment', data: line.slice(1).trim() });
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trim());
    }
    if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return events;
}

export function postChat(gateway: GatewayAddress, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.url}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

export const hello = { messages: [{ role: 'user', content: 'Say hello.' }] };
