import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PC/SC integration tests share one pcscd; keep files from fighting over the vpcd slots.
    fileParallelism: true,
    pool: 'forks',
  },
});
