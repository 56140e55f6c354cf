import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC rather than the default transform: Nest's dependency injection needs
// emitDecoratorMetadata, which only SWC (or tsc) emits.
const plugins = [swc.vite({ module: { type: 'es6' } })];
const shared = { testTimeout: 20_000, hookTimeout: 20_000, pool: 'forks' as const };

/**
 * One project per tier, and the folder decides: every spec under test/<tier>/ (whatever its
 * suffix) runs in that tier. Unit specs sit beside the code they test (src/, test/support/).
 */
const specsUnder = (...folders: string[]) => folders.map((folder) => `${folder}/**/*spec.ts`);

export default defineConfig({
  plugins,
  test: {
    projects: [
      {
        plugins,
        test: { ...shared, name: 'node', include: specsUnder('src', 'test/e2e', 'test/support') },
      },
      // Needs Debian's redis-server (.ci/run installs it): `npm run test:redis`.
      { plugins, test: { ...shared, name: 'redis', include: specsUnder('test/redis') } },
      // The built app as a real process (signals, exit codes): `npm run test:process` builds it first.
      { plugins, test: { ...shared, name: 'process', include: specsUnder('test/process') } },
      // Needs Debian's Chromium (.ci/run installs it): `npm run test:browser`.
      { plugins, test: { ...shared, name: 'browser', include: specsUnder('test/browser') } },
      // Misbehaving clients and upstreams against the built app as a process (`npm run test:hostile`
      // builds it first). One file at a time: each measures how other clients fare during an attack.
      {
        plugins,
        test: {
          name: 'hostile',
          include: specsUnder('test/hostile'),
          pool: 'forks',
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      // `npm run test:load` / `test:load:ci` (LOAD_PROFILE=full|ci). One file at a time, so no
      // test's load skews another's timings; --expose-gc to measure the heap after a full GC.
      {
        plugins,
        test: {
          name: 'load',
          include: specsUnder('test/load'),
          pool: 'forks',
          execArgv: ['--expose-gc'],
          fileParallelism: false,
          maxWorkers: 1,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
