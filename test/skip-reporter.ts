/**
 * Lists every skipped test at the end of the run, grouped by its reason: vitest's default reporter
 * counts skips but hides why, and a skip that hides evidence (a program not installed) must be seen.
 * A skip without a reason is listed as such: it is a test that says nothing about why it did not run.
 */
import type { Reporter, TestModule } from 'vitest/node';
import { relative } from 'node:path';

export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[]): void {
    // reason → file → test names
    const byReason = new Map<string, Map<string, string[]>>();
    for (const m of modules) {
      for (const t of m.children.allTests('skipped')) {
        const r = t.result();
        const why = (r.state === 'skipped' && r.note) || '(no reason given)';
        const files = byReason.get(why) ?? new Map<string, string[]>();
        byReason.set(why, files);
        const file = relative(process.cwd(), m.moduleId);
        files.set(file, [...(files.get(file) ?? []), t.fullName]);
      }
    }
    if (!byReason.size) return;
    const total = [...byReason.values()].reduce((n, f) => n + [...f.values()].reduce((k, t) => k + t.length, 0), 0);
    const lines = [``, `Skipped: ${total} test${total === 1 ? '' : 's'}, by reason`];
    for (const [why, files] of [...byReason].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${why}`);
      for (const [file, tests] of files) {
        lines.push(`    ${file}: ${tests.length === 1 ? tests[0]! : `${tests.length} tests`}`);
      }
    }
    process.stdout.write(lines.join('\n') + '\n');
  }
}
