/**
 * The walk on its own thread (walk/thread.ts) against the walk on the calling thread (walk.ts): the
 * same findings in the same order, the caller's pause honoured, a stop seen, a strict refusal and a
 * failing consumer passed on.
 */
import { describe, expect, it } from 'vitest';
import { chmodSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { walk, type WalkOptions, type WalkSink } from '../dist/scan/walk/walk.js';
import { walkOnThread } from '../dist/scan/walk/thread.js';
import { put, tempDir, unprivilegedRuntime } from './helpers.js';

type Finding = [kind: string, path: string, extra?: string | number];

function recorder(): { sink: WalkSink; found: Finding[] } {
  const found: Finding[] = [];
  const text = (b: Buffer): string => b.toString('latin1');
  return {
    found,
    sink: {
      file: (rel, sparse) => found.push(['file', rel, sparse ? 'sparse' : '']),
      hardLink: (rel) => found.push(['link-to-counted', rel]),
      dir: (rel, depth) => found.push(['dir', text(rel), depth]),
      link: (rel) => found.push(['symlink', text(rel)]),
      special: (rel) => found.push(['special', text(rel)]),
      error: (rel, err) => found.push(['error', text(rel), err.code ?? err.message]),
    },
  };
}

const go: WalkOptions = { pause: () => undefined, aborted: () => false };

/** The findings of the walk on the calling thread and on its own thread, as plain tuples. */
async function bothWalks(root: string): Promise<[Finding[], Finding[]]> {
  const here = recorder();
  await walk(root, here.sink, go);
  const there = recorder();
  await walkOnThread(root, there.sink, go);
  return [here.found, there.found];
}

/**
 * bothWalks as uid 65534, for a root test run: a child node loads the compiled walk from a copy every
 * user can reach (unprivilegedRuntime) and prints the findings of its error and file events, the ones
 * an unreadable folder changes, recorded as recorder() records them.
 */
function walksAsNobody(root: string): [Finding[], Finding[]] {
  const dist = join(unprivilegedRuntime(), 'dist/scan');
  const script = join(tempDir(), 'walks.mjs');
  writeFileSync(
    script,
    `
    const { walk } = await import(${JSON.stringify(join(dist, 'walk/walk.js'))});
    const { walkOnThread } = await import(${JSON.stringify(join(dist, 'walk/thread.js'))});
    const go = { pause: () => undefined, aborted: () => false };
    const rec = () => {
      const found = [];
      const text = (b) => b.toString('latin1');
      const sink = {
        file: (rel, sparse) => found.push(['file', rel, sparse ? 'sparse' : '']),
        hardLink: (rel) => found.push(['link-to-counted', rel]),
        dir: (rel, depth) => found.push(['dir', text(rel), depth]),
        link: (rel) => found.push(['symlink', text(rel)]),
        special: (rel) => found.push(['special', text(rel)]),
        error: (rel, err) => found.push(['error', text(rel), err.code ?? err.message]),
      };
      return { sink, found };
    };
    const here = rec(), there = rec();
    await walk(process.argv[2], here.sink, go);
    await walkOnThread(process.argv[2], there.sink, go);
    process.stdout.write(JSON.stringify([here.found, there.found]));`,
  );
  chmodSync(script, 0o644);
  const r = spawnSync(process.execPath, [script, root], {
    uid: 65534,
    gid: 65534,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`the walk as uid 65534 failed: ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout) as [Finding[], Finding[]];
}

/** Every kind of finding: files, sparse, hard links, symlinks, a FIFO, empty folders, a name that is not UTF-8. */
function mixedTree(): string {
  const root = tempDir();
  for (let c = 0; c < 5; c++) for (let i = 0; i < 300; i++) put(root, `kund-${c}/2019/01/${i}.ul`, 'x');
  put(root, 'kund-0/top.wav', 'x');
  const sparse = put(root, 'kund-1/sparse.wav', 'x');
  execFileSync('truncate', ['-s', '10M', sparse]);
  linkSync(sparse, join(root, 'kund-2/same.wav'));
  symlinkSync('../kund-0', join(root, 'kund-3/loop'));
  execFileSync('mkfifo', [join(root, 'kund-4/fifo')]);
  for (let i = 0; i < 50; i++) mkdirSync(join(root, `empty/${i}/a/b`), { recursive: true });
  put(root, Buffer.from('kund-\xe5\xe4\xf6/x.wav', 'latin1').toString('latin1'), 'x');
  return root;
}

describe('the walk on its own thread', () => {
  it('finds the same, in the same order, as on the calling thread, in chunks of any size', async () => {
    const root = mixedTree();
    const here = recorder();
    const keptHere = await walk(root, here.sink, go);
    for (const yieldEvery of [undefined, 1, 7]) {
      const there = recorder();
      const keptThere = await walkOnThread(root, there.sink, { ...go, ...(yieldEvery ? { yieldEvery } : {}) });
      expect(there.found).toEqual(here.found);
      expect(keptThere).toEqual(keptHere);
    }
    expect(here.found.filter(([k]) => k === 'file')).toHaveLength(1503);
    expect(here.found.map(([k]) => k)).toEqual(
      expect.arrayContaining(['link-to-counted', 'symlink', 'special', 'dir', 'file']),
    );
  });

  it('an unreadable folder is an error finding with its code', async () => {
    const root = mixedTree();
    chmodSync(join(root, 'kund-1'), 0);
    try {
      // root reads a folder of mode 000: as root, both walks run in a child process as uid 65534
      const [here, there] = process.getuid?.() === 0 ? walksAsNobody(root) : await bothWalks(root);
      expect(there).toEqual(here);
      expect(there).toContainEqual(['error', 'kund-1', 'EACCES']);
    } finally {
      chmodSync(join(root, 'kund-1'), 0o755);
    }
  });

  it('honours the caller’s pause: the walk is at most a few chunks ahead of what the caller let through', async () => {
    const root = mixedTree();
    const { sink, found } = recorder();
    let files = 0;
    let allowed = 100;
    let most = 0;
    let release: (() => void) | undefined;
    const counting: WalkSink = {
      ...sink,
      file: (rel, sparse) => {
        files++;
        sink.file(rel, sparse);
      },
    };
    const walking = walkOnThread(root, counting, {
      yieldEvery: 10,
      aborted: () => false,
      pause: () => {
        most = Math.max(most, files - allowed);
        return files >= allowed ? new Promise<void>((r) => (release = r)) : undefined;
      },
    });
    // let 100 more files through each time the walk waits, until it ends
    let ended = false;
    void walking.then(() => (ended = true));
    while (!ended) {
      await new Promise((r) => setTimeout(r, 5));
      if (release) {
        allowed += 100;
        const r = release;
        release = undefined;
        r();
      }
    }
    await walking;
    expect(found.filter(([k]) => k === 'file')).toHaveLength(1503);
    // the caller's pause is asked after every chunk (10 files here): never far past what it allowed
    expect(most).toBeLessThanOrEqual(10);
  });

  it('stops when asked, even while the caller never waits', async () => {
    const root = mixedTree();
    const { sink, found } = recorder();
    let stop = false;
    const counting: WalkSink = {
      ...sink,
      file: (rel, sparse) => {
        sink.file(rel, sparse);
        if (found.length > 200) stop = true;
      },
    };
    const kept = await walkOnThread(root, counting, { yieldEvery: 16, pause: () => undefined, aborted: () => stop });
    expect(kept.folders).toBeTypeOf('boolean');
    expect(found.filter(([k]) => k === 'file').length).toBeLessThan(1503);
  });

  it('a consumer that fails fails the walk with its error; a strict refusal is an EvidenceError', async () => {
    const root = mixedTree();
    const { sink } = recorder();
    const failing: WalkSink = {
      ...sink,
      file: () => {
        throw new Error('the readers failed');
      },
    };
    await expect(walkOnThread(root, failing, go)).rejects.toThrow('the readers failed');
    await expect(
      walkOnThread(root, sink, {
        ...go,
        pause: () => {
          throw new Error('a reader thread failed: boom');
        },
        yieldEvery: 4,
      }),
    ).rejects.toThrow('boom');
    // strict without the listing addon (no O_NOATIME listing): the thread's refusal arrives as an EvidenceError
    const script = join(tempDir(), 'strict.mjs');
    writeFileSync(
      script,
      `import { walkOnThread } from ${JSON.stringify(join(process.cwd(), 'dist/scan/walk/thread.js'))};
       const sink = { file() {}, hardLink() {}, dir() {}, link() {}, special() {}, error() {} };
       try { await walkOnThread(process.argv[2], sink, { pause: () => undefined, aborted: () => false, strict: true }); console.log('walked'); }
       catch (e) { console.log(e.constructor.name + ': ' + e.message.split(':')[0]); }`,
    );
    const r = execFileSync(process.execPath, [script, root], {
      encoding: 'utf8',
      env: { ...process.env, LEAKTALLY_NO_ADDON: '1' },
    });
    expect(r.trim()).toBe('EvidenceError: --strict-evidence');
  });
});
