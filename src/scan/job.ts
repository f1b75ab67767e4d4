/**
 * The scan's job for one batch: each file through processFile, answered as counts per row (or,
 * when every file's record is wanted, as the records). The same function runs in each reader
 * thread (created there by worker.ts) and, with --threads 0, on the main thread.
 */
import { makeContext, processFile, type FileRecord, type ScanConfig } from './record.js';
import { Counts } from './counts.js';
import { rowKey, type RowCounts } from './aggregate.js';
import { parseEntry, type Batch } from './batcher.js';

export interface ScanJobData {
  config: ScanConfig;
  /** answer with every file's record (a manifest is written, or a caller wants records) */
  keepPaths: boolean;
}

/** noatimeRefused: files of the batch the kernel would not open with O_NOATIME (the probe's ProbeIo count) */
export type ScanReply = ({ records: FileRecord[] } | { rows: RowCounts[] }) & { noatimeRefused: number };

export type ScanJob = (batch: Batch) => Promise<ScanReply>;

export function createJob(data: unknown): ScanJob {
  const { config, keepPaths } = data as ScanJobData;
  // one context per thread: its per-thread state is never shared
  const ctx = makeContext(config, keepPaths);
  if (keepPaths) {
    return async (batch) => {
      const refused0 = ctx.io.noatimeRefused;
      const records = new Array<FileRecord>(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const e = parseEntry(batch[i]!);
        records[i] = await processFile(ctx, e.rel, e);
      }
      return { records, noatimeRefused: ctx.io.noatimeRefused - refused0 };
    };
  }
  return async (batch) => {
    const refused0 = ctx.io.noatimeRefused;
    const rows = new Map<string, RowCounts>();
    let last: RowCounts | undefined;
    for (const rel of batch) {
      const e = parseEntry(rel);
      const r = await processFile(ctx, e.rel, e);
      // a batch is mostly one folder, so mostly one row: look the row up only when it changes
      if (last?.customer !== r.customer || last.kind !== r.row) {
        const key = rowKey(r.row, r.customer);
        last = rows.get(key);
        if (!last) rows.set(key, (last = { kind: r.row, customer: r.customer, counts: new Counts() }));
      }
      last.counts.add(r);
    }
    return { rows: [...rows.values()], noatimeRefused: ctx.io.noatimeRefused - refused0 };
  };
}
