/*
 * Positioned reads through a window of a MiB, for the readers that walk many small headers one after
 * another (FLV's tags, VOC's blocks, IFF's chunks): a read a header cost a system call each, and a
 * file of 10 MB of 8-byte IFF chunks took 2.6 s (1.0 s of CPU) to walk that way; through the window
 * it is a read a MiB.
 */
import type { FileSource } from './types.js';

const WINDOW = 1024 * 1024;

export class Window {
  private b: Buffer = Buffer.alloc(0);
  private at = 0;
  constructor(private readonly src: FileSource) {}
  /** len bytes at pos (fewer at the end of the file) */
  get(pos: number, len: number): Buffer {
    if (pos + len <= this.src.head.length) return this.src.head.subarray(pos, pos + len);
    if (pos < this.at || pos + len > this.at + this.b.length) {
      this.at = pos;
      this.b = this.src.read(pos, Math.max(len, WINDOW));
    }
    return this.b.subarray(pos - this.at, pos - this.at + len);
  }
}
