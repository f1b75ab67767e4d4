#!/usr/bin/env node
// Compares leaktally's durations with ffprobe's on freshly generated recordings in every codec
// (test/tools/make-codecs.sh) and prints one line per file. Needs a build (npm run build), ffmpeg,
// sox and espeak-ng. Usage: node test/tools/compare-ffprobe.mjs ["text to speak"]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeFile } from '../../dist/scan/probe/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'leaktally-codecs-'));
const text =
  process.argv[2] ??
  'This is the health line. Please describe your symptoms and state your personal identity number, then wait for the nurse.';
execFileSync(join(here, 'make-codecs.sh'), [dir, text], { stdio: 'inherit' });
const raw = {
  '.g729': ['-f', 'g729'],
  '.ul': ['-f', 'mulaw', '-ar', '8000'],
  '.alaw': ['-f', 'alaw', '-ar', '8000'],
  '.sln': ['-f', 's16le', '-ar', '8000', '-ac', '1'],
  '.sln16': ['-f', 's16le', '-ar', '16000', '-ac', '1'],
};
let worst = 0;
let bad = 0;
for (const f of readdirSync(dir).sort()) {
  const ext = f.slice(f.lastIndexOf('.'));
  const ref = Number(
    execFileSync('ffprobe', [
      '-v',
      'error',
      ...(raw[ext] ?? []),
      '-show_entries',
      'format=duration',
      '-of',
      'csv=p=0',
      join(dir, f),
    ]).toString(),
  );
  const r = await probeFile(join(dir, f), f);
  const d = r.probe.seconds ?? NaN;
  const diff = Math.abs(d - ref);
  const ok = diff <= Math.max(0.05, ref * 0.001);
  let decodedNote = '';
  if (!ok) {
    // ffprobe's container figure can be an estimate (MS ADPCM: from the byte rate); decode to be sure
    const pcm = execFileSync(
      'ffmpeg',
      [
        '-v',
        'error',
        ...(raw[ext] ?? []),
        '-i',
        join(dir, f),
        '-f',
        's16le',
        '-ac',
        '1',
        '-ar',
        String(r.probe.sampleRate),
        '-',
      ],
      { maxBuffer: 1 << 30 },
    );
    const decoded = pcm.length / 2 / r.probe.sampleRate;
    const dok = Math.abs(d - decoded) <= Math.max(0.05, decoded * 0.001);
    decodedNote = ` decoded ${decoded.toFixed(4)} s ${dok ? '(leaktally matches the decoded length)' : 'OVER'}`;
    if (!dok) bad++;
  }
  worst = Math.max(worst, diff / ref);
  console.log(
    `${f.padEnd(26)} ${(r.probe.codec ?? r.probe.kind).padEnd(14)} leaktally ${d.toFixed(4).padStart(9)} s  ffprobe ${ref.toFixed(4).padStart(9)} s  diff ${(diff * 1000).toFixed(1).padStart(6)} ms ${ok ? 'ok' : 'ffprobe differs;'}${decodedNote}`,
  );
}
console.log(
  `${bad} over the 0.1% / 50 ms bound (against ffprobe, or the decoded length where ffprobe estimates); worst difference from ffprobe ${(worst * 100).toFixed(3)}%`,
);
rmSync(dir, { recursive: true, force: true });
process.exitCode = bad ? 1 : 0;
