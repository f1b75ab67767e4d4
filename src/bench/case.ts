/**
 * npm run bench -- --case [--trees N] [--runs R]: what the case file costs and saves on a generated
 * tree. After a plain scan that is not counted (it warms the page cache), four runs of the CLI in
 * fresh processes, R times each, in turn: a plain headless scan, the
 * same scan writing a new case file, a second run with that case file (every file unchanged: taken
 * over, not read), and a report from it (--from, the tree not read). Prints median wall seconds and
 * peak RSS of each, the ratios against the plain scan, and checks that all four write the same CSV.
 * The aim (writing the case costs at most 10 % of the scan) is printed PASS or FAIL.
 */
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from './generate.js';
import { runCli, type CliRun } from './customers.js';

export interface CaseOptions {
  files: number;
  runs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Returns the number of failures (a bad exit, outputs that differ, a resume that read files). */
export async function benchCase(o: CaseOptions): Promise<number> {
  const { root } = generate(o.files, (s) => process.stderr.write(s));
  const dir = join(tmpdir(), `leaktally-bench-case-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const peak = join(dir, 'peak');
  const db = join(dir, 'bench.case');
  const out = (name: string): string => join(dir, `${name}.csv`);
  const common = ['--allow-incomplete'];
  const modes = {
    plain: (): string[] => [root, ...common, '--csv', out('plain')],
    case: (): string[] => {
      for (const f of [db, `${db}-journal`]) rmSync(f, { force: true });
      return [root, ...common, '--case', db, '--csv', out('case')];
    },
    resume: (): string[] => [root, ...common, '--case', db, '--csv', out('resume')],
    from: (): string[] => ['--from', db, ...common, '--csv', out('from')],
  } as const;
  const times: Record<keyof typeof modes, CliRun[]> = { plain: [], case: [], resume: [], from: [] };
  let failed = 0;
  (await import('node:fs')).mkdirSync(dir, { recursive: true });
  console.log(
    `case file bench: ${o.files.toLocaleString('en')} files, ${o.runs} runs each, load ${loadavg()[0]!.toFixed(1)}`,
  );
  for (let r = 0; r < o.runs; r++) {
    for (const mode of Object.keys(modes) as (keyof typeof modes)[]) {
      rmSync(peak, { force: true });
      const run = await runCli(modes[mode](), peak);
      if (run.code !== 0) {
        failed++;
        console.log(`FAIL ${mode}: exit ${run.code ?? run.signal}: ${run.stderr.trim().split('\n').pop()}`);
      }
      if (mode === 'resume' && !run.stderr.includes(`${o.files.toLocaleString('en')} files taken over`)) {
        failed++;
        console.log(`FAIL resume: not every file taken over: ${run.stderr.trim()}`);
      }
      times[mode].push(run);
    }
  }
  const plainCsv = readFileSync(out('plain'), 'utf8');
  for (const mode of ['case', 'resume', 'from'] as const) {
    if (readFileSync(out(mode), 'utf8') !== plainCsv) {
      failed++;
      console.log(`FAIL ${mode}: its CSV differs from the plain scan's`);
    }
  }
  const plain = median(times.plain.map((t) => t.ms));
  console.log('| run | median s | × plain | peak MB (median) |');
  console.log('| --- | --- | --- | --- |');
  for (const [mode, ts] of Object.entries(times)) {
    const ms = median(ts.map((t) => t.ms));
    const mb = median(ts.map((t) => t.peakMB ?? 0));
    console.log(`| ${mode} | ${(ms / 1000).toFixed(2)} | ${(ms / plain).toFixed(2)} | ${mb} |`);
  }
  const caseRatio = median(times.case.map((t) => t.ms)) / plain;
  console.log(
    `${caseRatio <= 1.1 ? 'PASS' : 'FAIL'} writing the case costs ${((caseRatio - 1) * 100).toFixed(0)} % of the scan (aim: at most 10 %)`,
  );
  console.log(`case file: ${(readFileSync(db).length / 1e6).toFixed(1)} MB`);
  rmSync(dir, { recursive: true, force: true });
  return failed;
}
