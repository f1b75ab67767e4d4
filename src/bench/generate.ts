/**
 * A synthetic leak for the benchmark: N recordings in customer/yyyy/MM/dd folders (40 customers of
 * Zipf-like sizes over two years) with call-recorder names; ~90% telephony WAV (PCM, µ-law, A-law, GSM 6.10 with a fact chunk) as sparse files whose
 * headers are real, ~10% small real MP3s copied from samples/codecs. Cached under the OS temp folder;
 * the expected totals are computed here, by construction, and written beside the tree.
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wavHeader } from './wavwriter.js';

export interface Expected {
  files: number;
  audioFiles: number;
  /** total audio seconds as integer microseconds (exact) */
  audioMicros: number;
  customers: number;
}

const SAMPLES = fileURLToPath(new URL('../../samples/codecs/', import.meta.url));
const VERSION = 4;

/** A deterministic pseudo-random sequence (the tree is the same on every machine). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** perFolder: about this many files per day folder (fewer, fuller folders); default two years of days. */
function benchTreePath(files: number, perFolder?: number): string {
  return join(tmpdir(), `leaktally-bench-v${VERSION}-${files}${perFolder ? `-${perFolder}pf` : ''}`);
}

export function generate(
  files: number,
  log: (s: string) => void = () => {},
  perFolder?: number,
): { root: string; expected: Expected } {
  const root = benchTreePath(files, perFolder);
  const expectedFile = `${root}.expected.json`;
  if (existsSync(root) && existsSync(expectedFile)) {
    return { root, expected: JSON.parse(readFileSync(expectedFile, 'utf8')) as Expected };
  }
  rmSync(root, { recursive: true, force: true });
  const building = `${root}.building-${process.pid}`;
  const mp3s = (['cbr-xing.mp3', 'cbr-noxing.mp3', 'vbr-xing.mp3'] as const).map((f) => ({
    bytes: readFileSync(join(SAMPLES, f)),
    micros: Math.round(
      (JSON.parse(readFileSync(join(SAMPLES, 'decoded.json'), 'utf8')) as Record<string, number>)[f]! * 1e6,
    ),
  }));
  const rand = rng(20190218);
  // 40 customers of Zipf-like sizes (the largest ~23%, as one big client dominates a call center),
  // each over two years of day folders
  const customers = 40;
  const weights = Array.from({ length: customers }, (_, k) => 1 / (k + 1));
  const cumulative: number[] = [];
  weights.reduce((acc, w, k) => (cumulative[k] = acc + w), 0);
  const total = cumulative[customers - 1]!;
  const pick = (): number => {
    const x = rand() * total;
    let k = 0;
    while (cumulative[k]! < x) k++;
    return k;
  };
  const exp: Expected = { files: 0, audioFiles: 0, audioMicros: 0, customers };
  // day folders per customer: two years of days, or as few as give about perFolder files each
  const days = perFolder ? Math.max(1, Math.round(files / customers / perFolder)) : 2 * 365;
  const madeDirs = new Set<string>();
  const t0 = performance.now();
  for (let i = 0; i < files; i++) {
    const c = `kund-${String(pick()).padStart(3, '0')}`;
    const day = new Date(Date.UTC(2017, 0, 1) + Math.floor((Math.floor(rand() * days) * 2 * 365) / days) * 86_400_000);
    const y = day.getUTCFullYear();
    const mo = String(day.getUTCMonth() + 1).padStart(2, '0');
    const d = String(day.getUTCDate()).padStart(2, '0');
    const dir = join(building, c, String(y), mo, d);
    if (!madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    const hh = String(7 + Math.floor(rand() * 12)).padStart(2, '0');
    const mm = String(Math.floor(rand() * 60)).padStart(2, '0');
    const ss = String(Math.floor(rand() * 60)).padStart(2, '0');
    const caller = `070174${String(Math.floor(rand() * 10000)).padStart(4, '0')}`;
    const base = `${y}${mo}${d}-${hh}${mm}${ss}_${caller}_${i}`;
    const kind = rand();
    const seconds = 10 + Math.floor(rand() * 590);
    exp.files++;
    exp.audioFiles++;
    if (kind < 0.1) {
      const m = mp3s[i % mp3s.length]!;
      writeFileSync(join(dir, `${base}.mp3`), m.bytes);
      exp.audioMicros += m.micros;
      continue;
    }
    let header: Buffer;
    let dataBytes: number;
    let micros: number;
    if (kind < 0.35) {
      dataBytes = seconds * 8000; // µ-law 8 kHz
      header = wavHeader({ tag: 7, dataBytes });
      micros = seconds * 1e6;
    } else if (kind < 0.6) {
      dataBytes = seconds * 8000; // A-law 8 kHz
      header = wavHeader({ tag: 6, dataBytes });
      micros = seconds * 1e6;
    } else if (kind < 0.8) {
      dataBytes = seconds * 16000; // PCM 16-bit 8 kHz
      header = wavHeader({ tag: 1, dataBytes });
      micros = seconds * 1e6;
    } else {
      const blocks = seconds * 25; // GSM 6.10: 65-byte blocks of 320 samples
      dataBytes = blocks * 65;
      const samples = blocks * 320 - Math.floor(rand() * 300); // the fact count: the last block padded
      header = wavHeader({ tag: 0x31, samplesPerBlock: 320, fact: samples, dataBytes });
      micros = Math.round((samples / 8000) * 1e6);
    }
    const fd = openSync(join(dir, `${base}.wav`), 'w');
    writeSync(fd, header);
    ftruncateSync(fd, header.length + dataBytes); // sparse: the audio costs no disk
    closeSync(fd);
    exp.audioMicros += micros;
    if (i % 50_000 === 49_999) log(`  generated ${i + 1} files (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  renameSync(building, root);
  writeFileSync(expectedFile, JSON.stringify(exp));
  return { root, expected: exp };
}
