import { performance } from 'node:perf_hooks';

/** Redis did not answer in time (see `withinDeadline`). */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
}

export interface DeadlineOptions {
  /** How long Redis may take to answer, counted while this process is free to read the answer. */
  timeoutMs: number;
  /** The longest a command may take in wall-clock time, however busy this process was. */
  hardLimitMs: number;
}

/** Where the deadline reads time from: wall time, and how much of it the event loop spent idle. */
export interface LoopClock {
  now(): number;
  idleMs(): number;
}

const processLoop: LoopClock = {
  now: () => performance.now(),
  idleMs: () => performance.eventLoopUtilization().idle,
};

/**
 * Resolves or rejects as `work` does, or rejects with RedisTimeoutError once Redis has had
 * `timeoutMs` to answer, or once `hardLimitMs` of wall time have passed.
 *
 * Why not a plain timer (ioredis `commandTimeout`): a timer counts from when the command was
 * queued, so under a burst it fires on this process's own lag: the loop was busy serving other
 * requests, the reply was already waiting in the socket, and Node runs due timers before it reads
 * sockets. A healthy Redis was then declared unreachable. Here Redis's time is the time the event
 * loop spent idle since the command was issued (waiting on I/O, so a reply would have been read
 * at once): time spent running our own code, or late timers, does not count against Redis. When
 * the timer fires, the verdict waits one `setImmediate`, after the loop has polled its sockets,
 * so a reply that arrived meanwhile wins. The hard limit keeps a hung Redis from holding a request
 * for long however busy the loop is (a dropped connection fails at once, without either).
 */
export function withinDeadline<T>(work: Promise<T>, options: DeadlineOptions, loop: LoopClock = processLoop): Promise<T> {
  const startedAt = loop.now();
  const idleAtStart = loop.idleMs();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      settled = true;
      clearTimeout(timer);
    };
    const arm = (delayMs: number) => {
      timer = setTimeout(() => setImmediate(judge), Math.max(1, Math.ceil(delayMs)));
      timer.unref?.();
    };
    const judge = () => {
      if (settled) return;
      const elapsed = loop.now() - startedAt;
      const waited = loop.idleMs() - idleAtStart;
      if (elapsed >= options.hardLimitMs) {
        finish();
        reject(new RedisTimeoutError(`Redis did not answer within ${options.hardLimitMs} ms`));
      } else if (waited >= options.timeoutMs) {
        finish();
        reject(new RedisTimeoutError(`Redis did not answer within ${options.timeoutMs} ms`));
      } else {
        // At the earliest, Redis's time runs out after the idle time it still has left.
        arm(Math.min(options.timeoutMs - waited, options.hardLimitMs - elapsed));
      }
    };
    arm(Math.min(options.timeoutMs, options.hardLimitMs));
    work.then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        finish();
        reject(error);
      },
    );
  });
}
