import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const root = Buffer.from(String(workerData).replace(/\/?$/, '/'));
const buf = Buffer.allocUnsafe(4096);
const flags = constants.O_RDONLY | (constants.O_NOATIME ?? 0);
parentPort!.on('message', (rels: string[]) => {
  for (const rel of rels) {
    const fd = openSync(Buffer.concat([root, Buffer.from(rel, 'latin1')]) as unknown as string, flags);
    fstatSync(fd);
    readSync(fd, buf, 0, 4096, 0);
    closeSync(fd);
  }
  parentPort!.postMessage(rels.length);
});
