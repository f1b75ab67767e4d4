/**
 * The floor's per-file job (run by the scan's thread pool): open + fstat + read 4 KiB + close, the
 * least any reader must do for a file. Answers with the number of files.
 */
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';

export function createJob(data: unknown): (batch: string[]) => number {
  const root = Buffer.from(String(data).replace(/\/?$/, '/'));
  const buf = Buffer.allocUnsafe(4096);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- typed number, but undefined where the platform lacks the flag
  const flags = constants.O_RDONLY | (constants.O_NOATIME ?? 0);
  return (batch) => {
    for (const rel of batch) {
      const fd = openSync(Buffer.concat([root, Buffer.from(rel, 'latin1')]), flags);
      fstatSync(fd);
      readSync(fd, buf, 0, 4096, 0);
      closeSync(fd);
    }
    return batch.length;
  };
}
