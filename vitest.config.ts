import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    // A CDK synth or a runtime start in a hook can take a minute on a loaded 2-core machine.
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
