// How big and how long the load suite runs: LOAD_PROFILE=full (`npm run test:load`) or ci
// (`npm run test:load:ci`, the default). Both forms assert the same bounds; ci only sends less.

export type LoadProfileName = 'full' | 'ci';

export interface LoadProfile {
  name: LoadProfileName;
  concurrentStreams: {
    streams: number;
    tokens: number;
    firstTokenDelayMs: number;
    interChunkDelayMs: number;
    /** Streams still open by then are cut and count as failures. */
    deadlineMs: number;
  };
  soak: {
    requestsPerSecond: number;
    /** Same load, not measured: JIT, pools and V8's heap sizing settle first. */
    warmupMs: number;
    durationMs: number;
    tokens: number;
    firstTokenDelayMs: number;
    interChunkDelayMs: number;
  };
  disconnects: {
    clients: number;
    tokens: number;
    firstTokenDelayMs: number;
    interChunkDelayMs: number;
  };
}

const PROFILES: Record<LoadProfileName, LoadProfile> = {
  full: {
    name: 'full',
    concurrentStreams: { streams: 1_000, tokens: 100, firstTokenDelayMs: 200, interChunkDelayMs: 20, deadlineMs: 60_000 },
    soak: { requestsPerSecond: 100, warmupMs: 30_000, durationMs: 600_000, tokens: 20, firstTokenDelayMs: 50, interChunkDelayMs: 10 },
    disconnects: { clients: 800, tokens: 100, firstTokenDelayMs: 300, interChunkDelayMs: 30 },
  },
  ci: {
    name: 'ci',
    concurrentStreams: { streams: 1_000, tokens: 100, firstTokenDelayMs: 200, interChunkDelayMs: 20, deadlineMs: 60_000 },
    soak: { requestsPerSecond: 100, warmupMs: 10_000, durationMs: 40_000, tokens: 20, firstTokenDelayMs: 50, interChunkDelayMs: 10 },
    disconnects: { clients: 400, tokens: 100, firstTokenDelayMs: 300, interChunkDelayMs: 30 },
  },
};

export function loadProfile(): LoadProfile {
  const name = process.env.LOAD_PROFILE ?? 'ci';
  if (name !== 'full' && name !== 'ci') throw new Error(`LOAD_PROFILE must be full or ci, not ${JSON.stringify(name)}`);
  return PROFILES[name];
}
