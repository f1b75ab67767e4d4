/*
 * The work one file may cost its reader, counted and bounded.
 *
 * Why: the readers are linear in what they read, but a hostile file can still make a loop long (a
 * forged table, a tail full of false starts), and on the calling thread (--threads 0) nothing else
 * runs while a reader loops: not the UI, not a SIGINT or SIGTERM handler. Every loop that may run
 * long ticks this counter; a file over WORK_LIMIT steps, or past its deadline (the same stall time
 * the reader threads' watchdog uses), stops being read and is counted unreadable with the reason.
 *
 * The steps, not the clock, are what normally stops a file: they give the same answer on every
 * machine and every --threads, and they bound one file's reading on the calling thread to well under
 * a second or so (docs/durations.md, "Limits"), so that a signal is honoured between two files. The deadline is
 * the net for what the steps do not count (a slow mount, a library's own loops).
 */

/**
 * Steps one file may take. An hour of AAC in an MP4 (a step per sample) takes ~170,000, the samples
 * in samples/codecs at most 58; counting to the limit alone took 0.26 s on a loaded 2-core machine.
 */
const WORK_LIMIT = 20_000_000;

/** Thrown by tick() when a file has cost more than its share; probeContent turns it into an unreadable result. */
export class WorkExceeded extends Error {}

/** How often (in steps) the clock is looked at: a clock read per step would cost more than most steps. */
const CLOCK_EVERY = 4096;

export class Work {
  /** steps taken so far (tests read it to show a reader is linear) */
  steps = 0;
  private nextClock = CLOCK_EVERY;

  constructor(
    /** performance.now() past which the file is given up (Infinity: no deadline) */
    private readonly deadline = Infinity,
    private readonly limit = WORK_LIMIT,
  ) {}

  /** n steps of work done; throws WorkExceeded past the limit or the deadline. */
  tick(n = 1): void {
    this.steps += n;
    if (this.steps > this.limit)
      throw new WorkExceeded(`reading it takes more than ${this.limit.toLocaleString('en')} steps (a hostile file?)`);
    if (this.steps >= this.nextClock) {
      this.nextClock = this.steps + CLOCK_EVERY;
      if (performance.now() > this.deadline)
        throw new WorkExceeded('reading it took longer than the time allowed a file');
    }
  }
}
