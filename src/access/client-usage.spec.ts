import { describe, expect, it } from 'vitest';
import { AccessKeyLimitedError } from '../common/errors/gateway-errors.js';
import { ChatTelemetry, type ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import { FakeClock } from '../../test/support/fixtures.js';
import { hashAccessKey } from './access-key.js';
import { AccessKeys, type AccessKey } from './access-keys.js';
import { ClientUsage } from './client-usage.js';

const KEYS = new AccessKeys([
  { name: 'open', sha256: hashAccessKey('gwk_open') },
  { name: 'rpm', sha256: hashAccessKey('gwk_rpm'), limits: { requestsPerMinute: 2 } },
  { name: 'tpd', sha256: hashAccessKey('gwk_tpd'), limits: { tokensPerDay: 100 } },
]);
const key = (name: string): AccessKey => KEYS.all.find((entry) => entry.name === name)!;

function setUp() {
  // 2026-03-04T10:20:30Z: 30 s into the minute.
  const clock = new FakeClock();
  const telemetry = new ChatTelemetry();
  const usage = new ClientUsage(KEYS, clock, telemetry);
  usage.onModuleInit();
  const finished = (client: string | null, promptTokens: number, completionTokens: number) =>
    telemetry.emit('requestFinished', { client, promptTokens, completionTokens, outcome: 'completed' } as ChatRequestSummary);
  return { clock, usage, finished };
}

async function refusal(run: () => Promise<void>): Promise<AccessKeyLimitedError> {
  let thrown: unknown;
  try {
    await run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AccessKeyLimitedError);
  return thrown as AccessKeyLimitedError;
}

describe('ClientUsage', () => {
  it('admits requestsPerMinute requests in a minute, refuses the next until the minute ends, then admits again', async () => {
    const { clock, usage } = setUp();
    await usage.admit(key('rpm'));
    await usage.admit(key('rpm'));
    const refused = await refusal(() => usage.admit(key('rpm')));
    expect(refused.retryAfterSeconds).toBe(30);
    expect(refused.message).toContain('requestsPerMinute limit (2)');
    expect(refused.details).toEqual({ limit: 'requestsPerMinute' });

    clock.set('2026-03-04T10:21:00.000Z');
    await expect(usage.admit(key('rpm'))).resolves.toBeUndefined();
  });

  it('never limits a key without limits, nor one key by another', async () => {
    const { usage } = setUp();
    for (let i = 0; i < 50; i++) await usage.admit(key('open'));
    await usage.admit(key('rpm'));
    await usage.admit(key('rpm'));
    await expect(usage.admit(key('open'))).resolves.toBeUndefined();
  });

  it('refuses once the tokens booked today reach tokensPerDay, until the UTC day ends', async () => {
    const { clock, usage, finished } = setUp();
    await usage.admit(key('tpd'));
    finished('tpd', 60, 39);
    await usage.admit(key('tpd'));
    finished('tpd', 1, 0);
    const refused = await refusal(() => usage.admit(key('tpd')));
    expect(refused.details).toEqual({ limit: 'tokensPerDay' });
    // 13 h 39 min 30 s to midnight UTC.
    expect(refused.retryAfterSeconds).toBe(13 * 3600 + 39 * 60 + 30);

    clock.set('2026-03-05T00:00:00.000Z');
    await expect(usage.admit(key('tpd'))).resolves.toBeUndefined();
  });

  it('reports each key in file order with its windows, totals, refusals and limits', async () => {
    const { usage, finished } = setUp();
    await usage.admit(key('rpm'));
    await usage.admit(key('rpm'));
    await refusal(() => usage.admit(key('rpm')));
    finished('rpm', 7, 3);
    finished(null, 1000, 1000);
    finished('no-such-key', 1000, 1000);

    const [open, rpm, tpd] = await usage.snapshot();
    expect(open).toMatchObject({ name: 'open', requests: 0, promptTokens: 0, completionTokens: 0, rejected: 0, limits: {} });
    expect(rpm).toEqual({
      name: 'rpm',
      limits: { requestsPerMinute: 2 },
      requests: 2,
      promptTokens: 7,
      completionTokens: 3,
      rejected: 1,
      minute: { start: Date.parse('2026-03-04T10:20:00Z'), end: Date.parse('2026-03-04T10:21:00Z'), requests: 2 },
      day: { start: Date.parse('2026-03-04T00:00:00Z'), end: Date.parse('2026-03-05T00:00:00Z'), tokens: 10 },
    });
    expect(tpd.limits).toEqual({ tokensPerDay: 100 });
  });

  it('shows a new minute and day as empty, keeping the totals', async () => {
    const { clock, usage, finished } = setUp();
    await usage.admit(key('rpm'));
    finished('rpm', 5, 5);
    clock.set('2026-03-05T00:00:10.000Z');
    const rpm = (await usage.snapshot())[1]!;
    expect(rpm.minute.requests).toBe(0);
    expect(rpm.day.tokens).toBe(0);
    expect(rpm).toMatchObject({ requests: 1, promptTokens: 5, completionTokens: 5 });
  });
});
