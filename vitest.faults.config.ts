import { defineConfig } from 'vitest/config';

/** Fault, fuzz and secret-hygiene tests (`npm run test:faults`): slower, run by .ci/run. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    env: { TZ: 'UTC' },
  },
});
