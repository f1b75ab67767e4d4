/**
 * Shards: `--shard i/n` scans a deterministic slice of a tree's customers, so that a very large leak
 * can be spread over machines with whatever runner a responder already has (a loop over ssh, GNU
 * parallel, a Kubernetes Indexed Job, a Slurm array) and the shards' case files merged after. A file
 * belongs to the shard of its row: the customer's key (the same key the tally and the register match,
 * so two folders counted as one customer are in one shard), or the top-level or unmatched row. The
 * hash is FNV-1a over the key's UTF-8 bytes: stable across machines, Node versions and runs, so
 * shards never overlap and together cover the tree. Hand-written: a 32-bit FNV-1a is six lines, and
 * a library hash (or crypto's) would be slower per file and no more stable.
 */

export interface Shard {
  /** 1-based, as Jest's and Playwright's --shard (an Indexed Job's 0-based index + 1) */
  index: number;
  count: number;
}

/** The most shards a scan can be cut into (more would leave most shards empty). */
const MAX_SHARDS = 4096;

/** Parse "i/n" (1 ≤ i ≤ n ≤ MAX_SHARDS); the reason when it is not one. */
export function parseShard(text: string): Shard | string {
  const m = /^([0-9]{1,4})\/([0-9]{1,4})$/.exec(text);
  if (!m) return `--shard must be i/n (this machine's slice i of n, e.g. 2/4), not "${text}"`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) return `--shard: the number of shards must be from 1 to ${MAX_SHARDS}`;
  if (index < 1 || index > count) return `--shard: the slice must be from 1 to ${count}, not ${index}`;
  return { index, count };
}

/** The row's key a file is sharded by: its kind and its customer (rows of other kinds have fixed names). */
export const shardKey = (row: string, customer: string): string => `${row}\0${customer}`;

/** Which shard (1-based) of `count` a key falls in. */
export function shardOf(key: string, count: number): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(key, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % count) + 1;
}

export const inShard = (shard: Shard, key: string): boolean => shardOf(key, shard.count) === shard.index;
