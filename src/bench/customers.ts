/**
 * The customers bench (npm run bench -- --customers N [--register M] [--statements] [--runs R]):
 * memory per customer, issue 19's aim of a million customers in well under 2 GB with every output
 * written. A tree of N one-byte files `a/c0000000.ul` … in one folder (one customer each) and, with
 * --register, a register of M controllers (keys c0000000 …), both made once and cached under the OS
 * temp folder; then the CLI itself, in a fresh process, writes the CSV, the JSON, the workbook (and
 * the statements) into a temporary folder. Printed: exit code, wall time, the process's own peak RSS
 * (peak.ts), its RSS each second, the outputs' sizes; the CSV must have one line per row the report
 * makes, and the statements folder one page per row.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = 1;
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const PEAK = new URL('./peak.js', import.meta.url).href;
/** the aim: peak RSS of a run at this many customers or more */
const AIM_CUSTOMERS = 1_000_000;
const AIM_MB = 2000;

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
const key = (i: number): string => `c${String(i).padStart(7, '0')}`;
const load = (): string => loadavg()[0]!.toFixed(1);

export interface CustomersOptions {
  customers: number;
  register?: number;
  statements: boolean;
  runs: number;
}

/** N one-byte files a/c0000000.ul … (µ-law, so each is a customer's one recording). */
function customerTree(n: number, log: (s: string) => void): string {
  const root = join(tmpdir(), `leaktally-bench-customers-v${VERSION}-${n}`);
  const done = `${root}.done`;
  if (existsSync(root) && existsSync(done)) return root;
  rmSync(root, { recursive: true, force: true });
  const building = `${root}.building-${process.pid}`;
  const dir = join(building, 'a');
  mkdirSync(dir, { recursive: true });
  const byte = Buffer.from([0xff]);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const fd = openSync(join(dir, `${key(i)}.ul`), 'w');
    writeSync(fd, byte);
    closeSync(fd);
    if (i % 100_000 === 99_999)
      log(`  generated ${fmt(i + 1)} files (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  try {
    renameSync(building, root);
  } catch (e) {
    // another bench made the same tree meanwhile: use that one
    if (!existsSync(root)) throw e;
    rmSync(building, { recursive: true, force: true });
  }
  closeSync(openSync(done, 'w'));
  return root;
}

/** A register of M controllers, one key each: c0000000 … */
function registerFile(m: number): string {
  const file = join(tmpdir(), `leaktally-bench-customers-v${VERSION}-register-${m}.csv`);
  if (existsSync(file)) return file;
  const building = `${file}.building-${process.pid}`;
  const fd = openSync(building, 'w');
  let text = 'key,controller,org_id,contact\n';
  for (let i = 0; i < m; i++) {
    const n = String(i).padStart(7, '0');
    text += `c${n},Controller ${n} AB,556${n},dpo${i}@example.com\n`;
    if (text.length > 1 << 20) {
      writeSync(fd, text);
      text = '';
    }
  }
  writeSync(fd, text);
  closeSync(fd);
  renameSync(building, file); // over another bench's, of the same text
  return file;
}

/** Lines in a file (its newlines), read in pieces, and the last line. */
function lines(file: string): { count: number; last: string } {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let count = 0;
  let tail = Buffer.alloc(0);
  try {
    for (let got; (got = readSync(fd, buf, 0, buf.length, null)) > 0;) {
      for (let i = buf.indexOf(10); i !== -1 && i < got; i = buf.indexOf(10, i + 1)) count++;
      tail = Buffer.concat([tail, buf.subarray(0, got)]).subarray(-4096);
    }
  } finally {
    closeSync(fd);
  }
  const text = tail.toString('utf8').replace(/\n$/, '');
  return { count, last: text.slice(text.lastIndexOf('\n') + 1) };
}

const rssMB = (pid: number): number | undefined => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined; // gone
  }
};

export interface CliRun {
  code: number | null;
  signal: string | null;
  ms: number;
  peakMB?: number;
  /** VmRSS each second, MB */
  samples: number[];
  stderr: string;
}

/** The CLI in a fresh process, its RSS sampled each second, its own peak read from peak.ts's file. */
export function runCli(args: string[], peakFile: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', PEAK, CLI, ...args], {
      env: { ...process.env, LEAKTALLY_BENCH_PEAK: peakFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => void (stderr = (stderr + s).slice(-4000)));
    const samples: number[] = [];
    const timer = setInterval(() => {
      const mb = child.pid === undefined ? undefined : rssMB(child.pid);
      if (mb !== undefined) samples.push(mb);
    }, 1000);
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const ms = performance.now() - t0;
      const peakMB = existsSync(peakFile) ? Math.round(Number(readFileSync(peakFile, 'utf8')) / 1024) : undefined;
      resolve({ code, signal, ms, peakMB, samples, stderr });
    });
  });
}

/** The run; returns the number of failed runs (a bad exit, wrong counts, or the aim missed). */
export async function benchCustomers(o: CustomersOptions): Promise<number> {
  const n = o.customers;
  const m = o.register;
  console.log(
    `leaktally customers bench: ${fmt(n)} customers (one file each)${m === undefined ? '' : `, a register of ${fmt(m)} controllers`}` +
      `${o.statements ? ', with statements' : ''}; ${o.runs} run${o.runs === 1 ? '' : 's'}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}`,
  );
  const t0 = performance.now();
  const tree = customerTree(n, (s) => console.log(s));
  const register = m === undefined ? undefined : registerFile(m);
  console.log(
    `tree: ${tree}${register ? `, register: ${register}` : ''} (${((performance.now() - t0) / 1000).toFixed(1)} s to generate or find); load average ${load()}`,
  );
  // the report's rows (notify.ts, Report): with a register, one per controller and one per key it does
  // not know; else one per customer. Every file matches the pattern: no unmatched or top-level rows.
  const rows = m === undefined ? n : m + Math.max(0, n - m);
  let failed = 0;
  const peaks: number[] = [];
  for (let run = 1; run <= o.runs; run++) {
    const out = mkdtempSync(join(tmpdir(), 'leaktally-bench-customers-out-'));
    try {
      const csv = join(out, 'summary.csv');
      const json = join(out, 'summary.json');
      const xlsx = join(out, 'summary.xlsx');
      const statements = join(out, 'statements');
      const args = [tree, '--pattern', '*/{customer}.ul', ...(register ? ['--register', register] : [])];
      args.push('--csv', csv, '--json', json, '--xlsx', xlsx, ...(o.statements ? ['--statements', statements] : []));
      const r = await runCli(args, join(out, 'peak'));
      const problems: string[] = [];
      if (r.code !== 0)
        problems.push(`exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      if (r.peakMB === undefined) problems.push('no peak RSS written');
      else peaks.push(r.peakMB);
      const size = (f: string): string => (existsSync(f) ? `${(statSync(f).size / 1e6).toFixed(1)} MB` : 'absent');
      let csvLine = 'CSV absent';
      if (existsSync(csv)) {
        const { count, last } = lines(csv);
        const want = rows + 2; // the header and the total row
        csvLine = `CSV ${fmt(count)} lines (want ${fmt(want)}: header, ${fmt(rows)} rows, total)`;
        if (count !== want) problems.push(`CSV has ${fmt(count)} lines, not ${fmt(want)}`);
        if (!last.startsWith('"(total)"')) problems.push(`the CSV's last line is not the total: ${last.slice(0, 60)}`);
      } else problems.push('no CSV');
      if (!existsSync(json)) problems.push('no JSON');
      if (!existsSync(xlsx)) problems.push('no workbook');
      let pages = '';
      if (o.statements) {
        // a page per row, method.html, index.html, leaktally-index.json
        const count = existsSync(statements) ? readdirSync(statements).length : 0;
        pages = `, statements ${fmt(count)} files (want ${fmt(rows + 3)})`;
        if (count !== rows + 3) problems.push(`the statements folder has ${fmt(count)} files, not ${fmt(rows + 3)}`);
      }
      const peakAt = r.samples.indexOf(Math.max(...r.samples));
      console.log('');
      console.log(
        `run ${run}: exit ${r.code ?? r.signal}, ${(r.ms / 1000).toFixed(1)} s, peak RSS ${r.peakMB ?? '?'} MB [load ${load()}]`,
      );
      console.log(
        `  RSS MB each second: ${r.samples.join(' ') || '(none: under 1 s)'}` +
          (r.samples.length ? `; highest sample at ${peakAt + 1} s` : ''),
      );
      console.log(`  outputs: CSV ${size(csv)}, JSON ${size(json)}, workbook ${size(xlsx)}${pages}`);
      console.log(`  ${csvLine}`);
      for (const p of problems) console.log(`  FAILED: ${p}`);
      if (problems.length) failed++;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  console.log('');
  const peak = peaks.length ? Math.max(...peaks) : undefined;
  console.log(
    `runs: ${o.runs - failed} of ${o.runs} completed with every output and the right row counts; highest peak RSS ${peak ?? '?'} MB`,
  );
  if (n >= AIM_CUSTOMERS) {
    const ok = peak !== undefined && peak < AIM_MB && failed === 0;
    console.log(
      `${ok ? 'PASS' : 'FAIL'} peak RSS under ${fmt(AIM_MB)} MB at ${fmt(n)} customers, every output written`,
    );
    if (!ok) failed++;
  } else console.log(`(the aim, under ${fmt(AIM_MB)} MB, is judged at ${fmt(AIM_CUSTOMERS)} customers or more)`);
  return failed;
}
