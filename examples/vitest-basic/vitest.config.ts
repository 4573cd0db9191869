import { defineConfig } from 'vitest/config';
import { leakwatch } from '@leakwatch/vitest';

export default defineConfig({
  plugins: [
    leakwatch({
      outputFile: { json: 'reports/leakwatch.json', junit: 'reports/leakwatch-junit.xml' },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
  },
});
