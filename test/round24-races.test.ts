/**
 * Attack round 24 part B, the tree that changes during the scan and the case file's comparisons,
 * each reproduced on a tree made here:
 *  - C1: a recording moved from a folder not yet listed into one already listed was in no listing:
 *    never counted, both rows "complete", the source's controller "not affected", exit 0.
 *  - C2: a recording moved on from a folder listed into one not yet listed was in two listings:
 *    counted twice, "complete".
 * The walk's moves are made from its own sink (sink.file is called while a folder's listing is read,
 * after that folder was listed, before the folders still waiting), so that nothing depends on timing;
 * the CLI's, from an inotify watch on the walk's own close of a folder (python3, as the attack did).
 */
import { describe, expect, it } from 'vitest';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { walk, type WalkSink } from '../dist/scan/walk/walk.js';
import { CLI, csvObjects, htmlText, put, runCli, tempDir, unprivileged, wav } from './helpers.js';
import { itUnless, itWith } from './needs.js';

/** a WAV of n seconds, 8 kHz 16-bit mono PCM */
const secs = (n: number): Buffer => wav({ tag: 1, rate: 8000, channels: 1, bits: 16, dataBytes: 16000 * n });

/** a CSV's row of customer c */
const row = (csv: string, c: string): Record<string, string> => csvObjects(csv).find((r) => r.customer === c)!;

const go = { pause: () => undefined, aborted: () => false };

/**
 * The walk's options as the engine gives them: the scan's start taken before its threads start. A
 * folder's ctime from the next millisecond on is a change during the scan. The kernel dates a change
 * by its coarse clock, up to one tick (4-10 ms) before the moment it happened, so the walk here starts
 * 40 ms after `since` (it was 5: a move made in the first tick was dated before the start, and C2 failed
 * on a busy machine in CI); a real scan's first move comes long after its start.
 */
async function started(): Promise<typeof go & { since: number }> {
  const since = Date.now();
  await new Promise((r) => setTimeout(r, 40));
  return { ...go, since };
}

/** What the walk found; `onFile` runs when a file is found (its folder listed, later folders not yet). */
function recorder(onFile: (rel: string) => void = () => {}) {
  const got = { files: [] as string[], errors: [] as [string, string | undefined][], movedAgain: [] as string[] };
  const sink: WalkSink = {
    file: (rel) => {
      got.files.push(rel);
      onFile(rel);
    },
    hardLink: (rel, moved) => {
      if (moved) got.movedAgain.push(rel);
    },
    dir: () => {},
    link: () => {},
    special: () => {},
    error: (rel, err) => got.errors.push([rel.toString(), err.code]),
  };
  return { got, sink };
}

/** where the first file found (the one moved) was met again: the other folder's moved.wav */
const rel0 = (files: string[]): string => (files[0]!.startsWith('acme/') ? 'beta' : 'acme') + '/moved.wav';

const changed = (errors: [string, string | undefined][]): string[] =>
  errors.filter(([, code]) => code?.startsWith('changed during the scan:')).map(([rel]) => rel);

describe('round 24 C1/C2: a folder changed during the scan is a gap of its rows', () => {
  it('a tree made just before the walk, unchanged during it: no folder is said changed', async () => {
    const root = tempDir();
    for (const c of ['acme', 'beta']) put(root, `${c}/2024/call.wav`, secs(1));
    const { got, sink } = recorder();
    await walk(root, sink, await started());
    expect(got.files.sort()).toEqual(['acme/2024/call.wav', 'beta/2024/call.wav']);
    expect(got.errors).toEqual([]);
  });

  /**
   * C1: once the first customer folder is listed (its file found), the other's recording is moved
   * into it. Before: 1 file found of the 2 the tree held throughout, no gap. Now both folders are
   * gaps: the one listed first differs from its listing, the other changed before its own.
   */
  it('C1: a file moved into a folder already listed, from one not yet listed: both folders are gaps', async () => {
    const root = tempDir();
    put(root, 'acme/a.wav', secs(1));
    put(root, 'beta/b.wav', secs(1));
    let moved = '';
    const { got, sink } = recorder((rel) => {
      if (moved) return;
      const [first, other] = rel.startsWith('acme/') ? ['acme', 'beta'] : ['beta', 'acme'];
      const from = join(root, other, other === 'acme' ? 'a.wav' : 'b.wav');
      renameSync(from, join(root, first, 'moved.wav'));
      moved = first;
    });
    await walk(root, sink, await started());
    expect(moved).not.toBe('');
    // the moved file was in no listing: one found of two
    expect(got.files).toHaveLength(1);
    expect(changed(got.errors).sort()).toEqual(['acme', 'beta']);
  });

  /**
   * C2: the first file found is moved on into the folder not yet listed, which then lists it again.
   * Before: found twice, no gap. Now both folders are gaps ("counted twice" is what their reason says),
   * and since round 25 the second meeting of the file (one link) is not handed on as a file again but
   * as the same file moved (sink.hardLink(rel, true)): the readers count it once.
   */
  it('C2: a file moved on into a folder not yet listed: found twice, and both folders are gaps', async () => {
    const root = tempDir();
    put(root, 'acme/a.wav', secs(1));
    put(root, 'beta/b.wav', secs(1));
    let moved = false;
    const { got, sink } = recorder((rel) => {
      if (moved) return;
      const other = rel.startsWith('acme/') ? 'beta' : 'acme';
      renameSync(join(root, rel), join(root, other, 'moved.wav'));
      moved = true;
    });
    await walk(root, sink, await started());
    expect(got.files).toHaveLength(2);
    expect(got.movedAgain).toEqual([rel0(got.files)]);
    expect(changed(got.errors).sort()).toEqual(['acme', 'beta']);
    expect(got.errors[0]![1]).toContain('counted twice');
  });

  /**
   * Deeper than the walk's anchors (32 names): the recheck reaches each folder from a folder held
   * open, and still finds the one that changed, and only it. A file is created at level 40 once the
   * walk has listed level 60 (its folder listed long before).
   */
  it('a folder 40 levels deep that changed after its listing is found, and no other', async () => {
    const root = tempDir();
    const levels = Array.from({ length: 70 }, (_, i) => `d${i}`);
    const at = (n: number): string => levels.slice(0, n).join('/');
    for (let n = 1; n <= 70; n++) put(root, `${at(n)}/x.wav`, secs(1));
    let done = false;
    const { got, sink } = recorder((rel) => {
      if (!done && rel === `${at(60)}/x.wav`) {
        writeFileSync(join(root, at(40), 'new.wav'), secs(1));
        done = true;
      }
    });
    await walk(root, sink, await started());
    expect(done).toBe(true);
    expect(got.files).toHaveLength(70);
    expect(changed(got.errors)).toEqual([at(40)]);
  });
});

/**
 * The CLI, raced as the attack did: a python3 inotify watch on both customer folders moves the other
 * customer's recording into the first folder the walk closes (after listing it). 2,000 empty
 * subfolders in each keep the walk inside the first one's subtree while the move is made. Before:
 * 1 file counted of 2, both rows "complete", beta's statement "Not affected", exit 0.
 */
const WATCH = `
import ctypes, os, struct, sys
libc = ctypes.CDLL("libc.so.6", use_errno=True)
root = sys.argv[1]
fd = libc.inotify_init()
wds = {}
for c in ("acme", "beta"):
    wds[libc.inotify_add_watch(fd, os.path.join(root, c).encode(), 0x10)] = c  # IN_CLOSE_NOWRITE
print("ready", flush=True)
while True:
    buf = os.read(fd, 4096)
    wd, mask, cookie, n = struct.unpack_from("iIII", buf, 0)
    if n == 0:  # the folder itself closed: listed
        first = wds[wd]; other = "beta" if first == "acme" else "acme"
        os.rename(os.path.join(root, other, other + ".wav"), os.path.join(root, first, "moved.wav"))
        print("moved", other, "into", first, flush=True)
        break
`;

describe('round 24 C1 through the CLI', () => {
  itWith(
    ['python3'],
    'a recording moved between customer folders during the scan: both rows incomplete, exit 3, no "not affected"',
    async () => {
      const base = tempDir();
      const root = join(base, 'tree');
      for (const c of ['acme', 'beta']) {
        put(root, `${c}/${c}.wav`, secs(3));
        for (let k = 0; k < 2000; k++) mkdirSync(join(root, c, `s${k}`));
      }
      writeFileSync(join(base, 'reg.csv'), 'key,controller\nacme,Acme AB\nbeta,Beta AB\n');
      writeFileSync(join(base, 'watch.py'), WATCH);
      const watcher = spawn('python3', [join(base, 'watch.py'), root]);
      let said = '';
      await new Promise<void>((resolve, reject) => {
        watcher.stdout.on('data', (d: Buffer) => {
          said += d.toString();
          if (said.includes('ready')) resolve();
        });
        watcher.on('error', reject);
      });
      const run = spawn(
        process.execPath,
        [
          CLI,
          root,
          '--register',
          join(base, 'reg.csv'),
          '--csv',
          join(base, 'out.csv'),
          '--statements',
          join(base, 'st'),
        ],
        { env: { ...process.env, CI: '1', TZ: 'UTC', NODE_ENV: 'production' } },
      );
      let stderr = '';
      run.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
      const status = await new Promise<number | null>((resolve) => run.on('close', resolve));
      watcher.kill();
      expect(said).toMatch(/moved (acme|beta) into (acme|beta)/);
      const rows = csvObjects(readFileSync(join(base, 'out.csv'), 'utf8'));
      const row = (c: string) => rows.find((r) => r.customer === c)!;
      // the file the first folder's listing gave is counted; the moved one was in no listing
      expect(Number(row('(total)').files)).toBe(1);
      for (const c of ['acme', 'beta', '(total)']) expect(row(c).completeness).toMatch(/^incomplete/);
      expect(status).toBe(3);
      // the warning says the changed folders' listed files are counted, not "not counted" alone
      expect(stderr).toMatch(/changed during the scan: its files as listed are counted/);
      expect(stderr).toMatch(/a folder changed during the scan: those its listing gave are\)/);
      for (const who of ['Acme AB', 'Beta AB']) {
        const page = htmlText(readFileSync(join(base, 'st', `${who}.html`), 'utf8'));
        expect(page).not.toMatch(/not affected/i);
      }
    },
    60_000,
  );
});

/**
 * H1: a resumed --case run took over a file overwritten in place (same device, inode and size) whose
 * mtime was put back (touch -r; rsync --inplace -t does the same): 60 s counted where ffmpeg decodes
 * nothing and a fresh scan finds an unreadable file. The ctime is kept and compared now; a case file's
 * rows from before (no ctime) are compared as they were, and the run says so.
 */
describe('round 24 H1: a resumed run compares the ctime too', () => {
  /** a tree with acme/call.wav (60 s), scanned once into x.case */
  function scanned(): { base: string; file: string; caseFile: string } {
    const base = tempDir();
    const file = put(join(base, 'tree'), 'acme/call.wav', secs(60));
    const caseFile = join(base, 'x.case');
    const r = runCli([join(base, 'tree'), '--case', caseFile, '--csv', '-']);
    expect(r.status).toBe(0);
    expect(row(r.stdout, 'acme').audio_seconds).toBe('60');
    return { base, file, caseFile };
  }

  /** the file's bytes all zeros (no RIFF header: ffmpeg finds no stream), its mtime as it was */
  function zeroInPlace(base: string, file: string): void {
    execFileSync('touch', ['-r', file, join(base, 'ref')]);
    const n = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(n), 0, n, 0);
    closeSync(fd);
    execFileSync('touch', ['-r', join(base, 'ref'), file]);
  }

  it('a file rewritten in place with its mtime put back is read again, not taken over', () => {
    const { base, file, caseFile } = scanned();
    const before = statSync(file);
    zeroInPlace(base, file);
    const after = statSync(file);
    expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
    const r = runCli([join(base, 'tree'), '--case', caseFile, '--csv', '-']);
    expect(r.stderr).not.toMatch(/taken over/);
    const acme = row(r.stdout, 'acme');
    // what a fresh scan says: an unreadable file, 0 s (before: 60 s, "1 file taken over unchanged")
    expect([acme.audio_seconds, acme.unreadable_files]).toEqual(['0', '1']);
    const fresh = row(runCli([join(base, 'tree'), '--csv', '-']).stdout, 'acme');
    expect(fresh.audio_seconds).toBe(acme.audio_seconds);
  });

  itWith(
    ['sqlite3'],
    'an unchanged file is still taken over; a case file of schema 2 is migrated, and its rows compared without ctime, said',
    () => {
      const { base, caseFile } = scanned();
      const again = runCli([join(base, 'tree'), '--case', caseFile, '--csv', '-']);
      expect(again.stderr).toMatch(/1 file taken over unchanged/);
      expect(again.stderr).not.toMatch(/without a ctime/);
      // the case file as schema 2 wrote it: no ctime_ms column
      execFileSync('sqlite3', [
        caseFile,
        'ALTER TABLE files DROP COLUMN ctime_ms; DROP TABLE folder_stamps; PRAGMA user_version = 2;',
      ]);
      const old = runCli([join(base, 'tree'), '--case', caseFile, '--csv', '-']);
      expect(old.status).toBe(0);
      expect(old.stderr).toMatch(/1 file of the case file was stored without a ctime/);
      expect(old.stderr).toMatch(/1 file taken over unchanged/);
      expect(execFileSync('sqlite3', [caseFile, 'PRAGMA user_version;']).toString().trim()).toBe('4');
    },
  );
});

/**
 * C3 and M1: `--diff --register` judged a key by its exact name only. The summary's rule (round 23
 * looseName): a key not found beside a customer folder only like it (ACME/ for acme) is incomplete
 * when that folder was read, and could hold the key's files when it was not.
 */
describe('round 24 C3/M1: --diff --register applies the look-alike key rule', () => {
  const REG = 'key,controller\nacme,Acme AB\nbeta,Beta AB\n';

  it('C3: a key whose look-alike folder gained a recording: incomplete, exit 3 (was "complete", exit 0)', () => {
    const base = tempDir();
    const tree = join(base, 'tree');
    put(tree, 'ACME/call1.wav', secs(2));
    put(tree, 'beta/call.wav', secs(2));
    const reg = put(base, 'reg.csv', REG);
    const caseFile = join(base, 'x.case');
    expect(runCli([tree, '--case', caseFile, '--csv', '/dev/null']).status).toBe(0);
    put(tree, 'ACME/call2.wav', secs(2));
    expect(runCli([tree, '--case', caseFile, '--csv', '/dev/null']).status).toBe(0);
    // the summary of the same run says the key's exposure cannot be ruled out
    const summary = runCli(['--from', caseFile, '--register', reg, '--csv', '-']);
    expect(summary.status).toBe(3);
    expect(row(summary.stdout, 'acme').completeness).toMatch(/named like its key "acme", "ACME"/);
    const d = runCli(['--diff', caseFile, '--register', reg, '--csv', '-']);
    expect(d.status).toBe(3);
    const acme = row(d.stdout, 'acme');
    expect(acme.completeness).toMatch(/^incomplete: .*named like the key "acme", "ACME"/);
    expect(row(d.stdout, '(total)').completeness).toMatch(/^incomplete/);
    expect(d.stderr).toMatch(/incomplete: .*"ACME"/);
  });

  it('a key found exactly, beside no look-alike: the comparison stays complete, exit 0', () => {
    const base = tempDir();
    const tree = join(base, 'tree');
    put(tree, 'acme/call1.wav', secs(2));
    put(tree, 'beta/call.wav', secs(2));
    const reg = put(base, 'reg.csv', REG);
    const caseFile = join(base, 'x.case');
    expect(runCli([tree, '--case', caseFile, '--csv', '/dev/null']).status).toBe(0);
    put(tree, 'acme/call2.wav', secs(2));
    expect(runCli([tree, '--case', caseFile, '--csv', '/dev/null']).status).toBe(0);
    const d = runCli(['--diff', caseFile, '--register', reg, '--csv', '-']);
    expect(d.status).toBe(0);
    expect(row(d.stdout, 'acme')).toMatchObject({ completeness: 'complete', files_added: '1' });
  });

  /** M1: ACME/ cannot be listed (mode 000, scanned as uid 65534) in either run */
  const base = tempDir();
  const tree = join(base, 'tree');
  const out = join(base, 'out');
  put(tree, 'ACME/call1.wav', secs(2));
  put(tree, 'beta/call.wav', secs(2));
  mkdirSync(out);
  chmodSync(out, 0o777);
  const reg = put(out, 'reg.csv', REG);
  const user = unprivileged(tree, out);
  itUnless(user.skip, 'M1: a key whose look-alike folder could not be listed is "not read", never 0', () => {
    if (!('run' in user)) return;
    const caseFile = join(out, 'x.case');
    chmodSync(join(tree, 'ACME'), 0o000);
    try {
      for (let k = 0; k < 2; k++) expect(user.run([tree, '--case', caseFile, '--csv', '/dev/null']).status).toBe(3);
    } finally {
      chmodSync(join(tree, 'ACME'), 0o755);
    }
    const d = user.run(['--diff', caseFile, '--register', reg, '--csv', '-']);
    expect(d.status).toBe(3);
    const acme = row(d.stdout, 'acme');
    // before: 0 before, 0 after, as if read
    expect(acme.completeness).toMatch(/^incomplete: not read/);
    expect(acme).toMatchObject({ files_before: '', files_after: '', files_added: '', files_removed: '' });
    // the unread folder's own row, as the summary has it
    expect(row(d.stdout, 'ACME').completeness).toMatch(/^incomplete: not read/);
    // beta, read in both runs, keeps its figures
    expect(row(d.stdout, 'beta')).toMatchObject({ files_before: '1', files_after: '1' });
  });
});
