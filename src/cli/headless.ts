/** The headless face: scan, then write the summary CSV/JSON and the manifest. */
import { Scanner, evidenceWarnings, type ScanResult } from '../scan/engine.js';
import { AtomicFile, removeTemporaryFiles } from '../report/atomic.js';
import { summaryCsv, summaryJson } from '../report/summary.js';
import { ManifestWriter } from '../report/manifest.js';
import { printable } from '../scan/names.js';
import { progressLine } from './progress.js';
import { hours, num } from '../report/human.js';
import type { CliOptions } from './args.js';

export class OutputError extends Error {}

export function configOf(o: CliOptions) {
  return { root: o.dir, depth: o.depth, pattern: o.pattern, zone: o.tz, threads: o.threads, strictEvidence: o.strictEvidence };
}

export function optionsRecord(o: CliOptions): Record<string, unknown> {
  return { depth: o.depth, pattern: o.pattern ?? null, tz: o.tz, delimiter: o.delimiter };
}

async function openTarget(flag: string, target: string): Promise<AtomicFile> {
  try {
    return await AtomicFile.create(target);
  } catch (e) {
    throw new OutputError(`${flag}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}

const count = (n: number, one: string, many: string): string => `${num(n)} ${n === 1 ? one : many}`;

/** Warnings worth a line on stderr after a scan. */
export function warnings(r: ScanResult): string[] {
  const w: string[] = [];
  if (r.config.pattern && r.totals.files > 0 && r.unmatched === r.totals.files) {
    w.push(`--pattern matched none of the ${count(r.totals.files, 'file', 'files')}; check it against a path below ${r.config.root}`);
  } else if (r.unmatched > 0) {
    w.push(`${count(r.unmatched, 'file', 'files')} did not match --pattern (counted under "(unmatched)")`);
  }
  if (r.unreadableFolders) {
    w.push(`${count(r.unreadableFolders, 'folder', 'folders')} could not be read, e.g. ${printable(r.folderErrors[0]!.path)} (${r.folderErrors[0]!.error}); their files are not counted`);
  }
  if (r.linksSkipped) w.push(`${count(r.linksSkipped, 'symbolic link was', 'symbolic links were')} not followed`);
  w.push(...evidenceWarnings(r));
  return w;
}

export async function runHeadless(o: CliOptions, csvToStdout: boolean): Promise<number> {
  const stderrTty = process.stderr.isTTY === true;
  const targets: Array<[string, string | undefined]> = [['--csv', o.csv], ['--json', o.json], ['--files', o.files]];
  const files = new Map<string, AtomicFile>();
  for (const [flag, t] of targets) if (t && t !== '-') files.set(flag, await openTarget(flag, t));

  let manifest: ManifestWriter | undefined;
  if (o.files) {
    manifest = new ManifestWriter(o.files === '-' ? process.stdout : files.get('--files')!.stream, o.tz, o.delimiter);
  }
  const scanner = new Scanner(configOf(o), manifest ? (r) => manifest!.add(r) : undefined);

  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    scanner.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer = stderrTty ? setInterval(() => process.stderr.write(`\r\x1b[K${progressLine(scanner.progress())}`), 100) : undefined;
  let result: ScanResult;
  try {
    result = await scanner.run();
  } finally {
    if (timer) {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted) {
    removeTemporaryFiles();
    process.stderr.write(`leaktally: interrupted after ${scanner.progress().done} files; no output written\n`);
    return 130;
  }
  if (manifest) await manifest.end();
  const csv = o.csv || csvToStdout ? summaryCsv(result, o.delimiter) : undefined;
  const json = o.json ? summaryJson(result, optionsRecord(o)) : undefined;
  if (o.csv === '-' || (csvToStdout && !o.csv)) await writeStdout(csv!);
  if (o.json === '-') await writeStdout(json!);
  files.get('--csv')?.write(csv!);
  files.get('--json')?.write(json!);
  for (const f of files.values()) await f.commit();

  for (const w of warnings(result)) process.stderr.write(`leaktally: warning: ${w}\n`);
  if (stderrTty) {
    const t = result.totals;
    process.stderr.write(
      `leaktally: ${num(t.files)} files in ${t.customers} customers: ${num(t.audioFiles)} recordings, ` +
        `${hours(t.audioSeconds)} h, ${t.unreadableFiles} unreadable (${(scanner.progress().elapsedMs / 1000).toFixed(1)} s)\n`,
    );
  }
  return 0;
}
