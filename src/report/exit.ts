/**
 * leaktally's exit codes, in one table: the headless run, the UI and the command line's error paths all
 * take theirs from here, so that a script reads the same code whichever face ended the run.
 */
export const EXIT = {
  /** the run finished and every output says the scan was complete (or --allow-incomplete) */
  ok: 0,
  /** an output could not be written (a full disk, a folder swapped during the run); nothing is half-written */
  output: 1,
  /** bad usage or input refused before anything was written (options, register, facts, evidence) */
  usage: 2,
  /**
   * the run finished but could not read or attribute everything: the outputs are written and say so,
   * and scripts can tell it from a complete run. --allow-incomplete: 0.
   */
  incomplete: 3,
  /**
   * the reader of stdout went away (`leaktally … --csv - | head -1`): the status of a Unix tool ended by
   * SIGPIPE (128 + 13), so that a pipeline with `set -o pipefail` knows the output was cut short
   */
  brokenPipe: 141,
} as const;

/**
 * The signals a run stops on, with their numbers: the exit code is 128 + the number, as a shell reports a
 * process the signal ended. The headless run and the UI install handlers for the same ones; none is left
 * to its default (which would end the process without removing temporary files or giving the terminal
 * back). Besides the four a person sends, those whose default is to end the process and that a machine
 * sends: a timer (SIGALRM, SIGVTALRM), a soft CPU-time limit (SIGXCPU: `ulimit -S -t`, a batch
 * scheduler; SIGKILL follows at the hard limit), SIGUSR2, a power failure (SIGPWR, from a UPS
 * daemon), SIGIO and SIGSTKFLT: each ended a run by its default action and left every output's
 * temporary file (the manifest's evidence paths), the locks and a read-only case file's private copy
 * (attack rounds 25b H2, M1 and 25c H2). Not SIGUSR1 (Node's: it starts the inspector), SIGPROF (V8's
 * CPU profiler samples by it) nor the real-time signals (Node cannot name them).
 */
const STOP_SIGNALS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGUSR2: 12,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGXCPU: 24,
  SIGVTALRM: 26,
  SIGIO: 29,
  SIGPWR: 30,
} as const;
export type StopSignal = keyof typeof STOP_SIGNALS;
export const signalExitCode = (s: StopSignal): number => 128 + STOP_SIGNALS[s];
export const stopSignals = Object.keys(STOP_SIGNALS) as StopSignal[];
