// Provider keys and client access keys never reach the log or the console, whatever happens:
// failures, fallbacks, refused keys, limits, debug-level logging, SDK debug output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateAccessKey, hashAccessKey } from '../../src/access/access-key.js';
import { CapturedLog } from '../support/captured-log.js';
import { hello, localProvider, model, postChat, startGateway, TEST_CEREBRAS_KEY, TEST_GROQ_KEY, type Gateway } from '../support/gateway-harness.js';

describe('keys never reach the log or the console', () => {
  let gateway: Gateway | undefined;
  let directory: string | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await gateway?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
    delete process.env.DEBUG;
    delete process.env.OPENAI_LOG;
  });

  it('even with LOG_LEVEL=trace and DEBUG=true (which makes the Cerebras SDK log request headers)', async () => {
    process.env.DEBUG = 'true';
    const printed: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        printed.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      });
    }
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    const [teamKey, limitedKey, unknownKey] = [generateAccessKey(), generateAccessKey(), generateAccessKey()];
    directory = mkdtempSync(join(tmpdir(), 'secrets-in-logs-'));
    const keysFile = join(directory, 'keys.json');
    writeFileSync(
      keysFile,
      JSON.stringify([
        { name: 'team-a', sha256: hashAccessKey(teamKey), admin: true },
        { name: 'team-b', sha256: hashAccessKey(limitedKey), limits: { requestsPerMinute: 1 } },
      ]),
    );
    const log = new CapturedLog();
    gateway = await startGateway({
      models: [model('cerebras', 'gpt-oss-120b', { priority: 1 }), model('groq', 'openai/gpt-oss-20b', { priority: 2 })],
      env: { GATEWAY_API_KEYS: keysFile, LOG_LEVEL: 'trace', ROTATION_STRATEGY: 'priority' },
      logDestination: log,
    });
    gateway.sim.setBehaviour('cerebras', 'gpt-oss-120b', { kind: 'error', status: 500 });

    const asTeam = { authorization: `Bearer ${teamKey}` };
    for (const body of [hello, { ...hello, model: 'cerebras/gpt-oss-120b' }, { ...hello, model: 'groq/openai/gpt-oss-20b' }]) {
      await (await postChat(gateway, body, asTeam)).text();
    }
    await (await postChat(gateway, hello, { 'x-api-key': unknownKey })).text();
    for (let i = 0; i < 2; i++) await (await postChat(gateway, hello, { 'x-api-key': limitedKey })).text();
    expect((await fetch(`${gateway.url}/usage`, { headers: asTeam })).status).toBe(200);

    expect(gateway.sim.requestsFor('cerebras').length).toBeGreaterThanOrEqual(2);
    expect(log.chatRequests).toHaveLength(6);
    expect(log.chatRequests.map((line) => line.client)).toContain('team-a');
    // Requests the access guard refused get their line too (and never the key that was tried).
    expect(log.chatRequests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ client: null, outcome: 'rejected', errorCode: 'invalid_api_key' }),
        expect.objectContaining({ client: 'team-b', outcome: 'rejected', errorCode: 'rate_limited' }),
      ]),
    );
    const everything = [...printed, ...log.text].join('\n');
    for (const secret of [TEST_CEREBRAS_KEY, TEST_GROQ_KEY, teamKey, limitedKey, unknownKey, hashAccessKey(teamKey), hashAccessKey(limitedKey)]) {
      expect(everything).not.toContain(secret);
    }
  });

  it("nor a declared provider's key, with the openai SDK's own debug logging on (OPENAI_LOG=debug), through failures and model listings", async () => {
    process.env.OPENAI_LOG = 'debug';
    const printed: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        printed.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      });
    }
    const log = new CapturedLog();
    const secret = 'sk-or-v1-0123456789abcdef0123456789abcdef';
    gateway = await startGateway({
      models: [model('local', 'm', { priority: 1 }), model('groq', 'm', { priority: 2 })],
      providers: (sim) => [localProvider(sim, { apiKeyVariable: 'ROUTER_API_KEY' })],
      env: { ROUTER_API_KEY: secret, LOG_LEVEL: 'trace', ROTATION_STRATEGY: 'priority', MODEL_DISCOVERY_INTERVAL_MS: '50' },
      logDestination: log,
    });
    gateway.sim.setModelListFailure('local', 401);
    gateway.sim.setBehaviour('local', 'm', { kind: 'error', status: 500 }, { kind: 'ok' });
    for (let i = 0; i < 2; i++) await (await postChat(gateway, hello)).text();
    await gateway.sim.waitFor(() => gateway!.sim.modelListRequests('local') >= 2);

    expect(gateway.sim.requestsFor('local')[0]!.headers.authorization).toBe(`Bearer ${secret}`);
    // The SDK did log each request, headers included (redacted by it, and never the key).
    expect(printed.some((line) => line.includes('sending request'))).toBe(true);
    expect([...printed, ...log.text].join('\n')).not.toContain(secret);
  });
});

