/**
 * The connections to a web server, shared by every client of one scan: the walk's (listings) and each
 * reader thread's (heads and reads). --connections slots in shared memory (a SharedArrayBuffer, the
 * same in every thread); a client holds one slot for each connection it has open, so that the whole
 * scan never has more open than --connections, while each part uses what the others leave: the walk
 * lists on all of them at the start, the readers read on all of them once the walk is done or paused.
 * Static shares (a quarter for the walk, the rest split between the threads) left connections idle
 * whenever one part had nothing to ask: at a 20 ms round trip a scan reached 0.4 of what its
 * connections allowed.
 *
 * Each client has a home slot, held from the start until it closes, so that none waits on the others
 * for its first connection (a probe waiting for a read while another thread keeps every connection
 * busy); the rest are taken when needed and given back after a short idle time. A slot's value is 0
 * when free, else its holder's client number + 1. Index 0 is a counter that changes on every release:
 * a client waiting for a slot sleeps on it (Atomics.waitAsync).
 */

/** Atomics.waitAsync (Node ≥ 16; in TypeScript's ES2024 library, past this project's ES2022 target) */
const atomics = Atomics as unknown as {
  waitAsync(
    a: Int32Array,
    index: number,
    value: number,
    ms: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
};

/** Layout: [0] the release counter, then one Int32 per slot. Client k's home slot is slot k. */
export function slotsBuffer(connections: number, clients: number): SharedArrayBuffer {
  const n = Math.max(connections, clients);
  const buf = new SharedArrayBuffer(4 * (n + 1));
  const a = new Int32Array(buf);
  for (let k = 0; k < clients; k++) a[1 + k] = k + 1;
  return buf;
}

/** One client's view of the shared slots. */
export class Slots {
  private readonly a: Int32Array;
  /** where the next search for a free slot starts (spread, so that clients do not all try slot 1 first) */
  private from: number;

  constructor(
    buffer: SharedArrayBuffer,
    /** this client's number (0 the walk, 1… the reader threads); its home slot has the same index */
    readonly client: number,
  ) {
    this.a = new Int32Array(buffer);
    this.from = client;
    // a client started again in place of one that was stopped (a stuck reader thread replaced) takes
    // over its home slot, and frees what the stopped one held besides
    for (let i = 0; i < this.size; i++) if (i !== client && Atomics.load(this.a, 1 + i) === client + 1) this.release(i);
  }

  /** the number of slots: connections at most */
  get size(): number {
    return this.a.length - 1;
  }

  /** the home slot's index: held by this client from the start (when it is one of the first `clients`) */
  get home(): number | undefined {
    return this.client < this.size && Atomics.load(this.a, 1 + this.client) === this.client + 1
      ? this.client
      : undefined;
  }

  /** A free slot taken (its index), or -1 when every slot is held. */
  tryTake(): number {
    const n = this.size;
    for (let k = 0; k < n; k++) {
      const i = (this.from + k) % n;
      if (Atomics.compareExchange(this.a, 1 + i, 0, this.client + 1) === 0) {
        this.from = i + 1;
        return i;
      }
    }
    return -1;
  }

  /** Give slot i back, and wake the clients waiting for one. */
  release(i: number): void {
    Atomics.store(this.a, 1 + i, 0);
    Atomics.add(this.a, 0, 1);
    Atomics.notify(this.a, 0);
  }

  /** the release counter now (to wait for a change from) */
  get version(): number {
    return Atomics.load(this.a, 0);
  }

  /** Resolves once a slot has been released since `version` was read, or after ms. */
  async changed(version: number, ms: number): Promise<void> {
    const w = atomics.waitAsync(this.a, 0, version, ms);
    if (w.async) await w.value;
  }
}
