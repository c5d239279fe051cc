import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // The accuracy smoke test trains a model: give it one core of its own.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
