import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // templates/ holds the generated projects' own tests; they run inside generated repos, not here.
    include: ['test/**/*.test.ts'],
    // The end-to-end tests spawn the CLI, which renders and formats a whole repository per run.
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
