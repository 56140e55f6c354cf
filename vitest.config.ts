import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC rather than the default transform: Nest's dependency injection needs
// emitDecoratorMetadata, which only SWC (or tsc) emits.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
