import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/system/**', 'test/faults/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests that start the built CLI need dist/ current: global setup builds it once.
    globalSetup: ['test/global-setup.ts'],
    env: { TZ: 'UTC' },
  },
});
