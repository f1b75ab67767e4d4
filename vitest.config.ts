import { defineConfig } from 'vitest/config';
import SkipReporter from './test/skip-reporter.js';

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
    // and a list of what was skipped and why, after the default summary
    reporters: report ? ['default', new SkipReporter(), 'json'] : ['default', new SkipReporter()],
    outputFile: report ? { json: report } : undefined,
  },
});
