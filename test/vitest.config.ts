import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['unit/**/*.test.ts', 'integration/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The integration tests mostly wait on child runners; two at a time keeps a 2-core machine busy.
    maxWorkers: 2,
  },
});
