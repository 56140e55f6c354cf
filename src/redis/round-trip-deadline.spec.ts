import { once } from 'node:events';
import { createServer, connect, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisTimeoutError, withinDeadline, type LoopClock } from './round-trip-deadline.js';

/** Keeps the event loop busy (running our own code) for `ms`. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning, as a burst of requests would
  }
}

const never = () => new Promise<never>(() => undefined);

describe('withinDeadline on the real event loop', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.close();
    server = undefined;
  });

  it('takes a reply that arrived while the loop was busy past the timeout, instead of timing out', async () => {
    server = createServer((socket) => socket.on('data', (data) => socket.write(data)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');

    const reply = once(socket, 'data').then(([data]) => String(data));
    socket.write('PONG');
    const answered = withinDeadline(reply, { timeoutMs: 50, hardLimitMs: 5_000 });
    // The echo is back within a millisecond; this process only reads it once the loop is free,
    // well after the deadline's own timer came due.
    busyFor(200);

    await expect(answered).resolves.toBe('PONG');
    socket.destroy();
  });

  it('rejects after about timeoutMs when nothing answers and the loop is idle', async () => {
    const started = performance.now();
    await expect(withinDeadline(never(), { timeoutMs: 60, hardLimitMs: 5_000 })).rejects.toBeInstanceOf(RedisTimeoutError);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(59);
    expect(took).toBeLessThan(1_000);
  });

  it('passes on the answer, or the error, of a command that settles in time', async () => {
    await expect(withinDeadline(Promise.resolve('OK'), { timeoutMs: 50, hardLimitMs: 100 })).resolves.toBe('OK');
    const failure = new Error('connection closed');
    await expect(withinDeadline(Promise.reject(failure), { timeoutMs: 50, hardLimitMs: 100 })).rejects.toBe(failure);
  });
});

describe('withinDeadline counting only the time Redis had', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /**
   * A loop clock the test moves, in step with faked timers: `busy` ms pass running our own code
   * (timers due meanwhile fire late, at its end), `idle` ms pass waiting on I/O.
   */
  function scriptedLoop() {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate'] });
    let now = 0;
    let idle = 0;
    const clock: LoopClock = { now: () => now, idleMs: () => idle };
    return {
      clock,
      async busy(ms: number) {
        now += ms;
        await vi.advanceTimersByTimeAsync(ms);
      },
      async idle(ms: number) {
        for (let step = 0; step < ms; step++) {
          now += 1;
          idle += 1;
          await vi.advanceTimersByTimeAsync(1);
        }
      },
    };
  }

  it('keeps waiting while the loop was busy, and times out once Redis had timeoutMs of idle waiting', async () => {
    const loop = scriptedLoop();
    const verdict = vi.fn<(error: unknown) => void>();
    withinDeadline(never(), { timeoutMs: 250, hardLimitMs: 2_000 }, loop.clock).catch(verdict);

    await loop.busy(400); // the loop ran other requests: Redis had no chance to be heard
    expect(verdict).not.toHaveBeenCalled();

    await loop.idle(200);
    expect(verdict).not.toHaveBeenCalled();
    await loop.idle(52); // and the verdict's setImmediate
    expect(verdict).toHaveBeenCalledWith(expect.any(RedisTimeoutError));
  });

  it('resolves with an answer read after a busy stretch longer than the timeout', async () => {
    const loop = scriptedLoop();
    let answer!: (value: string) => void;
    const result = withinDeadline(new Promise<string>((resolve) => (answer = resolve)), { timeoutMs: 250, hardLimitMs: 2_000 }, loop.clock);

    await loop.busy(600);
    await loop.idle(10);
    answer('reserved');

    await expect(result).resolves.toBe('reserved');
  });

  it('gives up at hardLimitMs however busy the loop stays', async () => {
    const loop = scriptedLoop();
    const verdict = vi.fn<(error: unknown) => void>();
    withinDeadline(never(), { timeoutMs: 250, hardLimitMs: 1_000 }, loop.clock).catch(verdict);

    for (let elapsed = 0; elapsed < 900; elapsed += 100) {
      await loop.busy(90);
      await loop.idle(10);
    }
    expect(verdict).not.toHaveBeenCalled();
    await loop.busy(90);
    await loop.idle(12);
    expect(verdict).toHaveBeenCalledWith(expect.objectContaining({ message: 'Redis did not answer within 1000 ms' }));
  });
});
