/**
 * Groups the walk's files into batches: one message to a reader thread carries a batch, not a file.
 * Paths are carried as latin1 strings of their raw bytes (lossless, and cheap to send).
 */

/** paths below the root, each a latin1 string of the path's bytes */
export type Batch = string[];

export const BATCH_SIZE = 128;

export class Batcher {
  private current: Batch = [];

  constructor(
    private readonly out: (batch: Batch) => void,
    private readonly size = BATCH_SIZE,
  ) {}

  add(rel: Buffer): void {
    this.current.push(rel.toString('latin1'));
    if (this.current.length >= this.size) this.flush();
  }

  /** hand over what is collected, even if the batch is not full */
  flush(): void {
    if (!this.current.length) return;
    const b = this.current;
    this.current = [];
    this.out(b);
  }
}
