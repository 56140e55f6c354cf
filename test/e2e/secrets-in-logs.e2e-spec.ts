// Provider keys and client access keys never reach the log or the console, whatever happens:
// failures, fallbacks, refused keys, limits, debug-level logging, SDK debug output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateAccessKey, hashAccessKey } from '../../src/access/access-key.js';
import { CapturedLog } from '../support/captured-log.js';
import { hello, model, postChat, startGateway, TEST_CEREBRAS_KEY, TEST_GROQ_KEY, type Gateway } from '../support/gateway-harness.js';

describe('keys never reach the log or the console', () => {
  let gateway: Gateway | undefined;
  let directory: string | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await gateway?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
    delete process.env.DEBUG;
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
});
