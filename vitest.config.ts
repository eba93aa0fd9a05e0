import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: CI shares two cores with other work, and a slow machine must not fail a correct test. Tests wait
    // for progress, so a real hang still fails, only later.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default', ['json', { outputFile: 'dist/test-results.json' }]],
  },
});
