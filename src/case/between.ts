/**
 * A tree that changed between (or during) the runs of the shards one merge takes (attack round 24b
 * C1b). Each shard's walk checks its own folders once it has listed them all (walk.ts changedSince),
 * but shards run one after another, or side by side on several machines, each over its own slice: a
 * recording moved, after shard 1 had run, from a customer of shard 2 (not yet run) into one of shard 1
 * was in no shard, and the merge said complete (6 recordings in the tree, 5 counted, the source
 * customer's controller told "not affected", exit 0).
 *
 * A shard's case file keeps every folder it listed with its stamp (device, inode, mtime, ctime: the
 * folder_stamps table), the root and the folders above the customer level included, which every shard
 * lists. A move, a file made or removed, sets the mtime and ctime of the folders on both sides. So the
 * merge takes as changed between the shard runs:
 * - a folder whose ctime, as a shard listed it, is from the first shard's start on (less a tick of the
 *   kernel's clock, which can date a change up to a tick early: round 24's races test): something
 *   moved in or out after another shard may have passed. The shard that lists a move's source after
 *   the move sees this, however deep the folder (A/2019 listed by A's shard only);
 * - a folder two shards listed with other stamps (the root, the folders above the customer level, and
 *   every folder under a {customer} pattern, which every shard walks): a change between the two
 *   listings, whatever the clocks say (the device is left out: another machine's mount numbers it
 *   otherwise).
 * A move's other side may be a folder of a shard that had already run and checked its folders: the
 * file is missing there, or counted there once more. Which folder cannot be told without listing the
 * tree again, so every customer folder of each shard that started before the latest such change could
 * have been (a tick's margin) is taken as changed too: their rows say incomplete, not "complete" or
 * "not affected" (under a {customer} pattern, whose customers are not folders, the root: every row).
 * A shard that started after the change listed every folder of its own after it: nothing of its own
 * can be missed.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { CaseError, type Db } from './db.js';
import { pathBytes } from './rows.js';
import { rowsOf } from './store.js';

/**
 * what a folder changed between the shard runs is said to be in the merged run (its row's gap): its
 * files as the shard listed them are counted
 */
export const CHANGED_BETWEEN =
  'changed between shard runs: its files as its shard listed them are counted; one moved in or out while another shard ran may be missed or counted twice';

/** what the root is said to be when a shard kept no folder stamps: no row can be vouched for */
const UNSTAMPED =
  'changed between shard runs cannot be told: a shard kept no folder stamps (a leaktally before case schema 4, or a web server tree)';

/**
 * A kernel tick at HZ=100, twice: a file time is the kernel's coarse clock, which can date a change up
 * to a tick before it happened (round 24's races test met 4-10 ms).
 */
const TICK_MS = 20;

/** One shard's run as the merge sees it: its times in ms since 1970. */
export interface ShardTimes {
  index: number;
  /** its start: options.started_ms (to the millisecond), else started_at (to the second, rounded down) */
  startMs: number;
  /** the end of its finished_at's second: every listing was before */
  endMs: number;
}

/** A folder's path as stored (TEXT when UTF-8, a BLOB of its bytes otherwise) and its depth. */
export interface StoredFolder {
  path: string | Uint8Array;
  depth: number;
}

/** A name or path as folders.path keeps it: its text when its bytes are UTF-8, else a BLOB of them. */
const stored = (b: Buffer): string | Uint8Array => (isUtf8(b) ? b.toString('utf8') : new Uint8Array(b));

const SLASH = Buffer.from('/');
/** the root's key: the hash of no name */
const ROOT = createHash('sha1').digest();

export class Between {
  /**
   * a folder listed by more than one shard, by its path's hash: the first listing's ino:mtime:ctime and
   * that shard's end
   */
  private readonly first = new Map<string, { id: string; end: number }>();
  /** the folders taken as changed, by their path's hash (base64) */
  readonly changed = new Map<string, StoredFolder & { why: string }>();
  /** the latest (ms) a change found may have been made at: -Infinity when none was found */
  latest = -Infinity;
  /** each shard's customer folders (depth mode), which a change after the shard's start may have reached */
  private readonly customers = new Map<number, (StoredFolder & { key: Buffer })[]>();
  private readonly shards: ShardTimes[] = [];
  /** shards whose case file holds no folder stamp */
  readonly unstamped: number[] = [];

  constructor(
    /** the first shard's start (ms) */
    private readonly since: number,
    /** the customer folders' depth; undefined under a {customer} pattern (customers are no folders) */
    private readonly customerDepth: number | undefined,
  ) {}

  /** A shard's folder stamps, from its case file attached as `shard`. */
  add(db: Db, run: number, shard: ShardTimes): void {
    this.shards.push(shard);
    const mine: (StoredFolder & { key: Buffer })[] = [];
    // the names from the root down to the folder of the row (depth first: the last row a level above
    // is its parent), and a hash of each one's path (the root's: of nothing)
    const names: Buffer[] = [];
    const keys: Buffer[] = [];
    const path = (depth: number): string | Uint8Array =>
      stored(Buffer.concat(names.slice(1, depth + 1).flatMap((n, i) => (i ? [SLASH, n] : [n]))));
    let n = 0;
    const sql = 'SELECT name, depth, stamp, ctime_ms FROM shard.folder_stamps WHERE run = ? ORDER BY rowid';
    for (const row of rowsOf(db, sql, run)) {
      n++;
      const r = row as { name: string | Uint8Array; depth: number | bigint; stamp: string; ctime_ms: number };
      const depth = Number(r.depth);
      if (!(depth >= 0 && depth <= names.length && (depth > 0 || n === 1)))
        throw new CaseError(`its folder_stamps of run ${run} are not in the order leaktally wrote them`);
      const name = pathBytes(r.name);
      names.length = depth;
      names.push(name);
      keys.length = depth;
      const hash = createHash('sha1');
      if (depth) hash.update(keys[depth - 1]!).update(name);
      const key = hash.digest();
      keys.push(key);
      if (this.customerDepth !== undefined && depth === this.customerDepth)
        mine.push({ key, path: path(depth), depth });
      if (r.ctime_ms >= this.since - TICK_MS) {
        this.flag(key, path(depth), depth);
        // the change came before the folder's listing: its ctime is the last one, a tick early at most
        this.latest = Math.max(this.latest, r.ctime_ms + TICK_MS);
      }
      // folders every shard lists (above the customer level; all of them under a pattern)
      if (this.customerDepth !== undefined && depth >= this.customerDepth) continue;
      const k = key.toString('base64');
      const id = r.stamp.slice(r.stamp.indexOf(':') + 1);
      const before = this.first.get(k);
      if (!before) this.first.set(k, { id, end: shard.endMs });
      else if (before.id !== id) {
        this.flag(key, path(depth), depth);
        // between the two listings, whatever the clocks: before the later shard's end
        this.latest = Math.max(this.latest, before.end, shard.endMs);
      }
    }
    if (!n) this.unstamped.push(shard.index);
    this.customers.set(shard.index, mine);
  }

  private flag(key: Buffer, path: string | Uint8Array, depth: number, why = CHANGED_BETWEEN): void {
    const k = key.toString('base64');
    // (the root without stamps to compare says so, whatever else changed)
    if (!this.changed.has(k) || why !== CHANGED_BETWEEN) this.changed.set(k, { path, depth, why });
  }

  /**
   * Once every shard is added: the customer folders of each shard that started before the latest
   * change found could have been made are taken as changed (a file that left a changed folder may be
   * in any of them, uncounted); the shards so taken, in order. A shard without stamps: the root.
   */
  finish(): number[] {
    if (this.unstamped.length) this.flag(ROOT, '', 0, UNSTAMPED);
    if (this.latest === -Infinity) return [];
    const swept: number[] = [];
    for (const s of this.shards) {
      if (s.startMs > this.latest) continue;
      swept.push(s.index);
      if (this.customerDepth === undefined) this.flag(ROOT, '', 0);
      else for (const f of this.customers.get(s.index) ?? []) this.flag(f.key, f.path, f.depth);
    }
    return swept.sort((a, b) => a - b);
  }
}
