#!/usr/bin/env node
// Judges leaktally's per-file seconds against the decoded length of the bytes actually in each file,
// for any folder (issue "Accuracy on every container"): header readers (ffprobe, mediainfo, and
// leaktally's own) repeat what a header claims; a decoder can only yield the audio that is there.
//
//   node test/tools/judge-decoded.mjs <folder> [--leaktally dist/cli/main.js] [--json out.json]
//        [--jobs N] [--top N] [--timeout S] [--quiet] [--reuse earlier.json]
//
// --reuse takes the decoded lengths from an earlier --json of the same folder for every file whose
// path and size are unchanged (decoding is the slow part; to judge another build of leaktally).
//
// 1. Runs leaktally's per-file manifest on <folder> (--files, into a temporary folder).
// 2. Decodes every file with ffmpeg, first audio stream only, to 16-bit mono PCM at a fixed 8 kHz
//    piped to this process, and counts the bytes: decoded seconds = bytes / 2 / 8000. This is exact
//    to one output sample (125 µs) whatever the source rate, counts the samples the decoder really
//    produced (encoder delay and padding removed as the container says), and does not depend on
//    timestamps. `-f null -` is not used because its time= figure is the last packet's timestamp,
//    rounded to 10 ms, and includes gaps and start offsets that are not audio.
//    A file ffmpeg cannot open, or with no audio stream, decodes to 0 s (its message is kept).
//    Headerless telephony files (.ul .al .gsm .g729 .g722 .g726 .sln*) carry no format: they are
//    decoded with the codec their extension names, the same assumption leaktally makes.
// 3. Prints one line per file that is off, the worst files, the totals and PASS/FAIL for each of
//    the issue's criteria (exit code 1 when one fails):
//      - Σ|leaktally − decoded| ≤ 5 % of Σ decoded (a file not counted as audio counts as 0 s);
//      - no file is given more than 10 × its decoded length + 60 s;
//      - every file ffmpeg decodes for more than 1 s is counted as audio.
// Never writes into <folder>: the manifest and everything else go to a temporary folder (removed on
// exit) or to the --json path, which must lie outside <folder>. Needs ffmpeg on PATH and a build.
import { spawn } from 'node:child_process';
import {
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
  readdirSync,
  lstatSync,
  symlinkSync,
  renameSync,
} from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { tmpdir } from 'node:os';
import { join, dirname, resolve, relative, isAbsolute, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const RATE = 8000;

// ---------- arguments ----------
function usage(msg) {
  if (msg) console.error(`judge-decoded: ${msg}`);
  console.error(
    'usage: node test/tools/judge-decoded.mjs <folder> [--leaktally dist/cli/main.js] [--json out.json] [--jobs N] [--top N] [--timeout S] [--quiet] [--reuse earlier.json]',
  );
  process.exit(2);
}
/** true when p is root itself or lies below it (both real paths). */
export function inside(root, p) {
  const r = relative(root, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * The name leaktally shows for a path's bytes (src/scan/place/names.ts shownName): valid UTF-8 as it is;
 * otherwise each byte outside valid UTF-8 as \xHH and every backslash doubled (also in a valid name
 * that holds the text "\x"). Kept in step by hand: the judge must not import the code it judges for
 * anything but the manifest.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });
const escapeName = (t) => (t.includes('\\x') ? t.replace(/\\/g, '\\\\') : t);
function decodeOne(bytes) {
  try {
    return escapeName(utf8.decode(bytes));
  } catch {
    // byte by byte: the longest valid UTF-8 prefix of what is left, else one byte escaped
    let out = '';
    for (let i = 0; i < bytes.length;) {
      let n = 0;
      for (let k = Math.min(4, bytes.length - i); k >= 1 && !n; k--) {
        try {
          utf8.decode(bytes.subarray(i, i + k));
          n = k;
        } catch {
          /* not a whole character */
        }
      }
      out += n
        ? utf8.decode(bytes.subarray(i, i + n)).replace(/\\/g, '\\\\')
        : '\\x' + bytes[i].toString(16).padStart(2, '0');
      i += n || 1;
    }
    return out;
  }
}
export function decodeName(bytes) {
  const parts = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x2f) continue;
    parts.push(decodeOne(bytes.subarray(start, i)));
    start = i + 1;
  }
  return parts.join('/');
}

// ---------- a small CSV reader (RFC 4180: quotes, doubled quotes, CRLF; a leading BOM) ----------
export function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = [];
  let row = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else q = false;
      } else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

// ---------- decoding ----------
const PCM = (f, rate) => ['-f', f, '-ar', String(rate), '-ac', '1'];
/** Headerless files: the input format their extension names (the same table as leaktally's raw reader). */
export function rawInput(ext) {
  const e = ext.toLowerCase().replace(/^\./, '');
  if (['ul', 'ulaw', 'pcmu', 'mu'].includes(e)) return PCM('mulaw', 8000);
  if (['al', 'alaw', 'pcma'].includes(e)) return PCM('alaw', 8000);
  if (e === 'g729') return ['-f', 'g729'];
  if (e === 'g722') return ['-f', 'g722'];
  if (e === 'g726') return ['-f', 'g726le', '-code_size', '4', '-sample_rate', '8000'];
  if (e === 'gsm') return ['-f', 'gsm'];
  const m = /^sln(\d{0,3})$/.exec(e);
  if (m) {
    const k = m[1] ? Number(m[1]) : 8;
    return PCM('s16le', k === 44 ? 44100 : k * 1000);
  }
  return [];
}

/**
 * Decodes the first audio stream of file to 16-bit mono PCM at 8 kHz and counts the samples.
 * Resolves { seconds, format, codec, video, exit, message } and never rejects.
 */
export function decode(file, timeoutS = 600) {
  return new Promise((resolveP) => {
    const args = [
      '-hide_banner',
      '-nostdin',
      '-nostats',
      '-v',
      'info',
      ...rawInput(extname(file)),
      '-i',
      file,
      '-map',
      '0:a:0',
      '-vn',
      '-sn',
      '-dn',
      '-f',
      's16le',
      '-acodec',
      'pcm_s16le',
      '-ac',
      '1',
      '-ar',
      String(RATE),
      '-',
    ];
    let bytes = 0;
    let err = '';
    let child;
    try {
      child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolveP({ seconds: 0, exit: -1, message: `cannot run ffmpeg: ${e.message}` });
      return;
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.stdout.on('data', (b) => {
      bytes += b.length;
    });
    child.stderr.on('data', (b) => {
      if (err.length < 200_000) err += b.toString('utf8');
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolveP({ seconds: 0, exit: -1, message: `cannot run ffmpeg: ${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const format = /^Input #0, ([^,]+(?:,[^ ,]+)*), from/m.exec(err)?.[1];
      const codec = /Stream #0:\d+[^:]*: Audio: ([^\s,]+)/.exec(err)?.[1];
      const video =
        /Stream #0:\d+[^:]*: Video: (?!mjpeg|png|bmp|gif)/.test(err) && !/Video: \w+.*\(attached pic\)/.test(err);
      const lines = err
        .split(/\r?\n/)
        .filter(
          (l) =>
            /error|invalid|corrupt|truncat|not find|no streams|matches no|does not contain|failed|could not/i.test(l) &&
            !/^\s+(title|comment|encoder|lyrics)/i.test(l),
        );
      const message =
        (timedOut ? `timed out after ${timeoutS} s; ` : '') +
        [...new Set(lines.map((l) => l.trim()))].slice(0, 2).join(' | ').slice(0, 200);
      resolveP({ seconds: Math.floor(bytes / 2) / RATE, format, codec, video, exit: code ?? -1, message });
    });
  });
}

/** Runs fn over items with at most n at a time, in order of start; resolves the results in input order. */
export async function pool(items, n, fn, onDone) {
  const out = new Array(items.length);
  let next = 0;
  let done = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
      onDone?.(++done, items.length);
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

// ---------- the arithmetic the criteria need (exported for the test) ----------
export const LIMIT_SHARE = 0.05;
/** The largest length a file may be given: 10 × its decoded length + 60 s. */
export const impossibleAbove = (decoded) => 10 * decoded + 60;

/** rows: { path, kind, codec, seconds (leaktally; undefined when none), decoded, ... } → totals and verdicts */
export function judge(rows) {
  let decodedTotal = 0;
  let counted = 0;
  let absErr = 0;
  let over = 0;
  let under = 0;
  const impossible = [];
  const missed = [];
  for (const r of rows) {
    const lt = r.kind === 'audio' ? (r.seconds ?? 0) : 0;
    r.counted = lt;
    r.diff = lt - r.decoded;
    r.ratio = r.decoded > 0 ? lt / r.decoded : lt > 0 ? Infinity : 1;
    decodedTotal += r.decoded;
    counted += lt;
    absErr += Math.abs(r.diff);
    if (r.diff > 0) over += r.diff;
    else under -= r.diff;
    if (lt > impossibleAbove(r.decoded)) impossible.push(r);
    if (r.decoded > 1 && r.kind !== 'audio') missed.push(r);
  }
  const share = decodedTotal > 0 ? absErr / decodedTotal : absErr > 0 ? Infinity : 0;
  const worst = [...rows].sort((a, b) => Math.abs(b.diff) - Math.abs(a.diff) || a.path.localeCompare(b.path));
  return {
    files: rows.length,
    decodedTotal,
    countedTotal: counted,
    absErr,
    over,
    under,
    share,
    impossible,
    missed,
    worst,
    criteria: [
      {
        name: `Σ|leaktally − decoded| ≤ ${LIMIT_SHARE * 100} % of Σ decoded`,
        pass: share <= LIMIT_SHARE,
        value: `${fmtS(absErr)} of ${fmtS(decodedTotal)} = ${(share * 100).toFixed(2)} %`,
      },
      {
        name: 'no file given more than 10 × decoded + 60 s',
        pass: impossible.length === 0,
        value: `${impossible.length} file(s)`,
      },
      {
        name: 'every file ffmpeg decodes for > 1 s is counted as audio',
        pass: missed.length === 0,
        value: `${missed.length} file(s) missed`,
      },
    ],
  };
}

/** What went wrong with one judged row, in words (for grouping the findings); '' when it is right. */
export function cause(r) {
  const lt = r.counted ?? 0;
  if (lt > impossibleAbove(r.decoded))
    return r.decoded === 0 ? 'impossible length, nothing decodes' : 'impossible length (> 10 × decoded + 60 s)';
  if (r.decoded > 1 && r.kind !== 'audio') return `decodable audio counted as ${r.kind}`;
  if (r.kind === 'audio' && r.decoded === 0)
    return r.ffVideo && !r.ffCodec ? 'counted as audio, ffmpeg finds video only' : 'counted as audio, nothing decodes';
  const tol = Math.max(0.05, 0.01 * r.decoded);
  if (r.diff > tol) return r.ratio >= 1.5 ? 'over by ≥ 1.5×' : 'over by < 1.5×';
  if (-r.diff > tol)
    return r.kind !== 'audio'
      ? `decodable audio (≤ 1 s) counted as ${r.kind}`
      : r.ratio <= 1 / 1.5
        ? 'under by ≥ 1.5×'
        : 'under by < 1.5×';
  return '';
}

/** Rows grouped by cause and by what ffmpeg says the container/codec is, largest error first. */
export function byCause(rows) {
  const groups = new Map();
  for (const r of rows) {
    const c = cause(r);
    if (!c) continue;
    const key = `${c}\t${r.ffFormat || '-'}/${r.ffCodec || '-'}`;
    const g = groups.get(key) ?? {
      cause: c,
      media: `${r.ffFormat || '-'}/${r.ffCodec || '-'}`,
      files: 0,
      absErr: 0,
      paths: [],
    };
    g.files++;
    g.absErr += Math.abs(r.diff);
    g.paths.push(r.path);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.absErr - a.absErr);
}

export const fmtS = (s) => (Number.isFinite(s) ? `${s.toFixed(3)} s` : String(s));
const h = (s) => `${(s / 3600).toFixed(2)} h`;

// ---------- main ----------
function parseArgs() {
  const opts = {
    leaktally: join(here, '..', '..', 'dist', 'cli', 'main.js'),
    json: undefined,
    jobs: 2,
    top: 10,
    timeout: 600,
    quiet: false,
  };
  let folder;
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--leaktally') opts.leaktally = resolve(val());
    else if (a === '--json') opts.json = resolve(val());
    else if (a === '--jobs') opts.jobs = Number(val());
    else if (a === '--top') opts.top = Number(val());
    else if (a === '--timeout') opts.timeout = Number(val());
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--reuse') opts.reuse = resolve(val());
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (folder === undefined) folder = a;
    else usage('one folder only');
  }
  if (!folder) usage('no folder');
  if (!Number.isInteger(opts.jobs) || opts.jobs < 1) usage('--jobs must be a whole number ≥ 1');
  if (!Number.isInteger(opts.top) || opts.top < 0) usage('--top must be a whole number ≥ 0');
  if (!(opts.timeout > 0)) usage('--timeout must be > 0');
  return { opts, folder };
}

async function main() {
  const { opts, folder } = parseArgs();
  let root;
  try {
    root = realpathSync(resolve(folder));
  } catch {
    usage(`cannot read ${folder}`);
  }
  if (!lstatSync(root).isDirectory()) usage(`${folder} is not a folder`);
  if (opts.json) {
    let jdir;
    try {
      jdir = realpathSync(dirname(opts.json));
    } catch {
      usage(`cannot write ${opts.json}: its folder does not exist`);
    }
    if (inside(root, jdir)) usage(`--json ${opts.json} lies inside the folder judged; the folder is never written`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'leaktally-judge-'));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  process.on('exit', cleanup);
  for (const s of ['SIGINT', 'SIGTERM'])
    process.on(s, () => {
      cleanup();
      process.exit(130);
    });
  if (inside(root, realpathSync(tmp)))
    usage('the temporary folder lies inside the folder judged; set TMPDIR elsewhere');

  // 1. leaktally's manifest
  const manifest = join(tmp, 'files.csv');
  const t0 = Date.now();
  const code = await new Promise((res) => {
    // --allow-incomplete: files with no customer folder (a flat folder such as samples/codecs) make
    // the run "incomplete" as to whose they are (exit 3), which says nothing about their durations
    const c = spawn(
      process.execPath,
      [opts.leaktally, root, '--files', manifest, '--csv', join(tmp, 'summary.csv'), '--no-tui', '--allow-incomplete'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    c.on('close', res);
    c.on('error', (e) => {
      console.error(`judge-decoded: cannot run leaktally: ${e.message}`);
      res(1);
    });
  });
  if (code !== 0) {
    console.error(`judge-decoded: leaktally exited with ${code}`);
    process.exit(1);
  }
  const leakMs = Date.now() - t0;
  const [head, ...body] = parseCsv(readFileSync(manifest, 'utf8')).filter((r) => r.length > 1);
  const col = Object.fromEntries(head.map((n, i) => [n, i]));
  for (const n of ['path', 'kind', 'seconds', 'codec', 'bytes', 'error'])
    if (!(n in col)) {
      console.error(`judge-decoded: the manifest has no ${n} column`);
      process.exit(1);
    }
  const rows = body.map((r) => {
    const path = r[col.path];
    const sec = r[col.seconds];
    return {
      path,
      kind: r[col.kind],
      codec: r[col.codec],
      bytes: Number(r[col.bytes]),
      seconds: sec === '' ? undefined : Number(sec),
      error: r[col.error],
    };
  });

  // every regular file, by the name leaktally shows for it (it never counts symbolic links; any other
  // file it did not list is a finding). Names are bytes: one that is not UTF-8 is reached through a
  // symbolic link in the temporary folder, since a child's arguments can only be UTF-8.
  const onDisk = new Map();
  (function walk(dirB, relB) {
    for (const e of readdirSync(dirB, { withFileTypes: true, encoding: 'buffer' })) {
      const name = Buffer.from(e.name);
      const rel = relB.length ? Buffer.concat([relB, Buffer.from('/'), name]) : name;
      const abs = Buffer.concat([dirB, Buffer.from('/'), name]);
      if (e.isDirectory()) walk(abs, rel);
      else if (e.isFile()) onDisk.set(decodeName(rel), abs);
    }
  })(Buffer.from(root), Buffer.alloc(0));
  // the manifest prefixes ' to a cell that would start a spreadsheet formula (= + - @ tab CR LF)
  for (const r of rows)
    if (!onDisk.has(r.path) && /^'[=+\-@\t\r\n]/.test(r.path) && onDisk.has(r.path.slice(1))) r.path = r.path.slice(1);
  const listed = new Set(rows.map((r) => r.path));
  for (const [p, abs] of onDisk)
    if (!listed.has(p))
      rows.push({
        path: p,
        kind: 'missing',
        codec: '',
        bytes: lstatSync(abs).size,
        seconds: undefined,
        error: 'not in the manifest',
      });
  let links = 0;
  const reach = (r) => {
    const abs = onDisk.get(r.path);
    if (!abs) return undefined;
    if (isUtf8(abs)) return abs.toString('utf8');
    const link = join(tmp, `link-${links++}${extname(r.path)}`);
    symlinkSync(abs, link);
    return link;
  };

  // 2. decode every file
  const t1 = Date.now();
  const tty = process.stderr.isTTY && !opts.quiet;
  const earlier = new Map();
  if (opts.reuse) {
    for (const f of JSON.parse(readFileSync(opts.reuse, 'utf8')).files) earlier.set(f.path, f);
  }
  let reused = 0;
  const decoded = await pool(
    rows,
    opts.jobs,
    (r) => {
      const e = earlier.get(r.path);
      if (e && e.bytes === r.bytes) {
        reused++;
        return Promise.resolve({
          seconds: e.decoded,
          format: e.ffFormat,
          codec: e.ffCodec,
          video: e.ffVideo,
          exit: e.ffExit,
          message: e.ffMessage,
        });
      }
      const file = reach(r);
      return file
        ? decode(file, opts.timeout)
        : Promise.resolve({ seconds: 0, exit: -1, message: 'listed by leaktally but not found on disk' });
    },
    (d, n) => {
      if (tty && (d % 10 === 0 || d === n)) process.stderr.write(`\rdecoded ${d} / ${n}`);
      else if (!tty && !opts.quiet && (d % 100 === 0 || d === n)) process.stderr.write(`decoded ${d} / ${n}\n`);
    },
  );
  if (tty) process.stderr.write('\n');
  rows.forEach((r, i) => {
    const d = decoded[i];
    r.decoded = d.seconds;
    r.ffFormat = d.format ?? '';
    r.ffCodec = d.codec ?? '';
    r.ffVideo = !!d.video;
    r.ffExit = d.exit;
    r.ffMessage = d.message ?? '';
  });
  const decodeMs = Date.now() - t1;

  // 3. judge and print
  const j = judge(rows);
  const line = (r) =>
    `${r.path}  [${r.kind}${r.codec ? ' ' + r.codec : ''}; ffmpeg ${r.ffFormat || '-'}/${r.ffCodec || '-'}${r.ffVideo ? '+video' : ''}]  leaktally ${r.seconds === undefined ? '-' : fmtS(r.seconds)}  decoded ${fmtS(r.decoded)}  diff ${r.diff >= 0 ? '+' : ''}${r.diff.toFixed(3)} s  ratio ${Number.isFinite(r.ratio) ? r.ratio.toFixed(3) : '∞'}${r.error ? `  «${r.error}»` : ''}${r.ffMessage ? `  ffmpeg: ${r.ffMessage}` : ''}`;
  if (!opts.quiet) {
    const off = j.worst.filter(
      (r) => Math.abs(r.diff) > Math.max(0.05, 0.01 * r.decoded) || (r.decoded > 1 && r.kind !== 'audio'),
    );
    console.log(`# files off by more than 1 % / 50 ms, or missed (${off.length}), worst first`);
    for (const r of off) console.log(line(r));
    console.log('');
  }
  console.log("# by cause and container/codec (ffmpeg's names): files, Σ|diff|, first paths");
  for (const g of byCause(rows))
    console.log(
      `${g.cause.padEnd(44)} ${g.media.padEnd(28)} ${String(g.files).padStart(4)}  ${fmtS(g.absErr).padStart(18)}  ${g.paths.slice(0, 3).join(', ')}${g.paths.length > 3 ? ', …' : ''}`,
    );
  console.log('');
  console.log(`# worst ${opts.top}`);
  j.worst.slice(0, opts.top).forEach((r, i) => console.log(`${String(i + 1).padStart(2)}. ${line(r)}`));
  console.log('');
  const kinds = {};
  for (const r of rows) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
  console.log(
    `# totals: ${j.files} files (${Object.entries(kinds)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}); ${rows.filter((r) => r.decoded > 0).length} decode to > 0 s`,
  );
  console.log(`Σ decoded              ${fmtS(j.decodedTotal)} (${h(j.decodedTotal)})`);
  console.log(`Σ leaktally (audio)    ${fmtS(j.countedTotal)} (${h(j.countedTotal)})`);
  console.log(
    `Σ|leaktally − decoded| ${fmtS(j.absErr)} = ${(j.share * 100).toFixed(2)} % of decoded (over ${fmtS(j.over)}, under ${fmtS(j.under)})`,
  );
  console.log(
    `given > 10× decoded + 60 s: ${j.impossible.length}${
      j.impossible.length
        ? ': ' +
          j.impossible
            .slice(0, 5)
            .map((r) => r.path)
            .join(', ') +
          (j.impossible.length > 5 ? ', …' : '')
        : ''
    }`,
  );
  console.log(
    `decodes > 1 s, not counted as audio: ${j.missed.length}${
      j.missed.length
        ? ': ' +
          j.missed
            .slice(0, 5)
            .map((r) => r.path)
            .join(', ') +
          (j.missed.length > 5 ? ', …' : '')
        : ''
    }`,
  );
  const sane = rows.filter((r) => !j.impossible.includes(r));
  const saneDec = sane.reduce((a, r) => a + r.decoded, 0);
  const saneErr = sane.reduce((a, r) => a + Math.abs(r.diff), 0);
  console.log(
    `without those ${j.impossible.length}: Σ|leaktally − decoded| ${fmtS(saneErr)} = ${saneDec > 0 ? ((saneErr / saneDec) * 100).toFixed(2) : '-'} % of ${fmtS(saneDec)} decoded`,
  );
  console.log(
    `(leaktally ${(leakMs / 1000).toFixed(1)} s; decoding ${(decodeMs / 1000).toFixed(1)} s with ${opts.jobs} jobs${reused ? `; ${reused} decoded lengths reused from ${opts.reuse}` : ''})`,
  );
  console.log('');
  for (const c of j.criteria) console.log(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.value}`);

  if (opts.json) {
    const out = {
      folder: root,
      leaktally: opts.leaktally,
      when: new Date().toISOString(),
      totals: {
        files: j.files,
        decoded: j.decodedTotal,
        leaktally: j.countedTotal,
        absErr: j.absErr,
        share: j.share,
        over: j.over,
        under: j.under,
        impossible: j.impossible.length,
        missed: j.missed.length,
      },
      criteria: j.criteria,
      causes: byCause(rows),
      files: rows
        .map((r) => ({ ...r, cause: cause(r) }))
        .map(
          ({
            path,
            cause: why,
            kind,
            codec,
            bytes,
            seconds,
            error,
            decoded,
            counted,
            diff,
            ratio,
            ffFormat,
            ffCodec,
            ffVideo,
            ffExit,
            ffMessage,
          }) => ({
            path,
            cause: why,
            kind,
            codec,
            bytes,
            seconds: seconds ?? null,
            counted,
            decoded,
            diff,
            ratio: Number.isFinite(ratio) ? ratio : null,
            error,
            ffFormat,
            ffCodec,
            ffVideo,
            ffExit,
            ffMessage,
          }),
        ),
    };
    const part = `${opts.json}.part-${process.pid}`;
    writeFileSync(part, JSON.stringify(out, null, 1), { mode: 0o600 });
    renameSync(part, opts.json);
  }
  process.exitCode = j.criteria.every((c) => c.pass) ? 0 : 1;
}

// run as a program, not when imported by the test
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
