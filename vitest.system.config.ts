import { defineConfig } from 'vitest/config';

/**
 * Tests that need Debian packages (OpenSSH server, promtool, an MTA,
 * systemd-analyze, visudo). `.ci/run` installs them; a missing tool fails the
 * test with the package to install, it never skips silently.
 */
export default defineConfig({
  test: {
    include: ['test/system/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    env: { TZ: 'UTC' },
  },
});
