import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/pcsc*/**'] },
      },
      {
        // Every file here drives the one pcscd and its two vpcd slots: run them one after another.
        extends: true,
        test: { name: 'pcsc', include: ['test/pcsc*/**/*.test.ts'], fileParallelism: false },
      },
    ],
  },
});
