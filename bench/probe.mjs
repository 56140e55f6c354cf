// Preloaded into a process under benchmark: `node --import ./bench/probe.mjs dist/main.js`, spawned
// by bench/run.ts with an IPC channel. No change to the product code is needed.
//
// It samples the event-loop delay (perf_hooks.monitorEventLoopDelay), the peak RSS and the CPU
// time, and answers two messages from the parent:
//   { id, op: 'probe:reset' }   starts a new measurement window     -> { id, result: null }
//   { id, op: 'probe:report' }  the window so far                    -> { id, result: ProbeReport }
//   { id, op: 'probe:memory' }  memory after a full GC (if --expose-gc) -> { id, result: MemorySnapshot }
//   { id, op: 'probe:profile-start' }, { id, op: 'probe:profile-stop', path }  a CPU profile, written to path
// Other messages are left to whoever else listens (bench/simulator-process.ts).
// Without an IPC channel it does nothing. When the parent goes away (even killed), the IPC channel
// closes and the process exits, so a benchmark never leaves an orphan behind.
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The histogram records whole timer intervals; the delay is what exceeds this. */
const RESOLUTION_MS = 10;
const RSS_SAMPLE_MS = 50;

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const rss = () => process.memoryUsage.rss();
  let peakRss = rss();
  let cpuStart = process.cpuUsage();
  let windowStart = performance.now();

  setInterval(() => {
    peakRss = Math.max(peakRss, rss());
  }, RSS_SAMPLE_MS).unref();

  const delayMs = (nanoseconds) => Math.max(0, nanoseconds / 1e6 - RESOLUTION_MS);

  const report = () => {
    const now = rss();
    peakRss = Math.max(peakRss, now);
    const cpu = process.cpuUsage(cpuStart);
    return {
      elapsedMs: performance.now() - windowStart,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssBytes: now,
      peakRssBytes: peakRss,
      eventLoopDelayMs: {
        samples: delay.count,
        p50: delay.count ? delayMs(delay.percentile(50)) : 0,
        p99: delay.count ? delayMs(delay.percentile(99)) : 0,
        max: delay.count ? delayMs(delay.max) : 0,
      },
    };
  };

  /** A CPU profile of this process on request (`--profile`), written to the path the parent names. */
  let profiler = null;
  const post = (method, params = {}) =>
    new Promise((resolve, reject) => profiler.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  const startProfile = async () => {
    const { Session } = await import('node:inspector');
    profiler = new Session();
    profiler.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
  };
  const stopProfile = async (path) => {
    const { profile } = await post('Profiler.stop');
    profiler.disconnect();
    profiler = null;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, JSON.stringify(profile));
  };

  const memory = () => {
    // With --expose-gc, a full collection first: what stays is what the process holds on to.
    globalThis.gc?.();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    return { collected: typeof globalThis.gc === 'function', rss, heapUsed, heapTotal, external, arrayBuffers };
  };
  const resetWindow = () => {
    delay.reset();
    peakRss = rss();
    cpuStart = process.cpuUsage();
    windowStart = performance.now();
    return null;
  };
  const operations = {
    'probe:reset': resetWindow,
    'probe:report': report,
    'probe:memory': memory,
    'probe:profile-start': () => startProfile().then(() => null),
    'probe:profile-stop': (message) => stopProfile(message.path).then(() => null),
  };

  process.on('message', (message) => {
    const operation = Object.hasOwn(operations, message?.op) ? operations[message.op] : undefined;
    if (!operation) return; // someone else's message
    Promise.resolve()
      .then(() => operation(message))
      .then(
        (result) => process.send({ id: message.id, result }),
        (error) => process.send({ id: message.id, result: { error: String(error) } }),
      );
  });
  // The channel must not keep the process alive on its own (the app decides when it is done).
  process.channel?.unref();
  process.on('disconnect', () => process.exit(0));
}
