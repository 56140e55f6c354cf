// Hundreds of clients hanging up at once, at every point of a stream: nothing may keep running
// or stay reserved for them (set-up and why in load-harness.ts).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { UsageReportDto } from '../../src/usage/dto/usage-report.dto.js';
import { answer, chatBody, LoadClient, requireOpenFiles, startLoadGateway, within, type LoadGateway } from './load-harness.js';
import { loadProfile } from './load-profile.js';

const { name: profile, disconnects: load } = loadProfile();
const expected = answer(load.tokens);
/** How long an upstream stream may outlive its client, and a reservation its request. */
const RELEASE_WITHIN_MS = 1_000;
const seed = Number(process.env.LOAD_SEED ?? Math.floor(Math.random() * 2 ** 31));

let gw: LoadGateway;
let client: LoadClient;

beforeAll(async () => {
  requireOpenFiles(load.clients);
  [gw, client] = await Promise.all([startLoadGateway(), LoadClient.start()]);
});

afterAll(async () => {
  await Promise.all([gw?.close(), client?.stop()]);
});

/** Throws unless no window of any deployment holds reserved tokens and nothing is in flight. */
function expectAllReleased(report: UsageReportDto): void {
  for (const model of report.models) {
    for (const [name, window] of Object.entries(model.windows)) {
      expect(window.reservedTokens, `${model.key} ${name} window reservedTokens`).toBe(0);
    }
    expect(model.totals.inFlight, `${model.key} inFlight`).toBe(0);
  }
  expect(report.totals.inFlight, 'inFlight').toBe(0);
}

it(
  `${load.clients} clients hanging up at random points (before headers, after meta, mid-stream, just before done) leave ` +
    `no upstream stream running ${RELEASE_WITHIN_MS} ms later, no reservation held, and are counted as cancellations`,
  async () => {
    await gw.sim.setBehaviour({
      kind: 'ok',
      content: expected,
      firstTokenDelayMs: load.firstTokenDelayMs,
      interChunkDelayMs: load.interChunkDelayMs,
    });
    await gw.sim.resetStreamStats();

    let earlyCheck = '';
    const cohorts = await client.disconnects(
      { url: gw.url, body: chatBody(), clients: load.clients, tokens: load.tokens, firstTokenDelayMs: load.firstTokenDelayMs, seed },
      // Every client but the before-done cohort has gone, and those are still reading (their
      // streams have half the answer to go): only their upstream streams may still be open.
      async ({ stillReading }) => {
        const stats = await within(RELEASE_WITHIN_MS, async () => {
          const stats = await gw.sim.streamStats();
          expect(stats.open, `upstream streams open with ${stillReading} clients still reading`).toBeLessThanOrEqual(stillReading);
          return stats;
        });
        earlyCheck = `${stats.open} upstream open for ${stillReading} clients still reading`;
      },
      120_000,
    );

    const upstream = await within(RELEASE_WITHIN_MS, async () => {
      const stats = await gw.sim.streamStats();
      expect(stats.open, 'upstream streams still open').toBe(0);
      return stats;
    });
    const report = await within(RELEASE_WITHIN_MS, async () => {
      const report = await gw.usage();
      expectAllReleased(report);
      return report;
    });

    const totals = report.totals;
    console.log(
      `[load:${profile}] disconnects (LOAD_SEED=${seed}): ${JSON.stringify(cohorts)}; early check: ${earlyCheck}; ` +
        `upstream ${upstream.started} started, ${upstream.aborted} aborted; gateway requests ${totals.requests}, ` +
        `cancellations ${totals.cancellations}, completed ${totals.completed}, failures ${totals.failures}`,
    );

    for (const [point, cohort] of Object.entries(cohorts)) expect(cohort.unexpected, `${point}: unexpected outcomes`).toEqual({});
    // Each of these still had half an answer or more to come when it hung up.
    const certainlyCancelled = cohorts['after-meta'].afterMetaWithoutDone + cohorts['mid-stream'].afterMetaWithoutDone;
    expect(certainlyCancelled).toBe(cohorts['after-meta'].clients + cohorts['mid-stream'].clients);
    expect(totals.failures).toBe(0);
    expect(totals.completed + totals.cancellations).toBe(totals.requests);
    expect(totals.cancellations).toBeGreaterThanOrEqual(certainlyCancelled);
    expect(upstream.aborted).toBeGreaterThanOrEqual(certainlyCancelled);
    // Only a client that read the whole answer can have been counted as completed.
    const gotDone = Object.values(cohorts).reduce((sum, cohort) => sum + cohort.gotDone, 0);
    const beforeDone = cohorts['before-done'].clients;
    expect(totals.completed).toBeLessThanOrEqual(gotDone + beforeDone);
  },
  120_000,
);
