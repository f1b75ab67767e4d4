import { defineConfig } from 'vitest/config';

const report = process.env.LEAKTALLY_TEST_REPORT;

export default defineConfig({
  test: {
    // unit tests of one module stand beside it (src/**); journeys, the CLI and fixtures under test/
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // tests spawn the built CLI and real threads; two cores here
    maxWorkers: 2,
    // .ci/run asks for a JSON report too, to print a plain "N passed, N failed" line
    reporters: report ? ['default', 'json'] : ['default'],
    outputFile: report ? { json: report } : undefined,
  },
});
