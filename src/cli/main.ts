#!/usr/bin/env node
/**
 * leaktally's entry: takes the stop signals first, then loads the command line (command.ts). Its
 * modules take about half a second to load; as static imports here they loaded before any line of
 * this file ran, and a Ctrl-C or SIGTERM in that time ended the process by the signal's default
 * action with nothing said (attack round 13b). Only light modules are imported statically.
 */
import './heap.js';
import { stopSignals } from '../report/exit.js';
import { removeTemporaryFiles } from '../report/output/atomic.js';

/**
 * A stop signal before the run takes the signals over (the modules loading; a register of a million
 * lines read for seconds; a register that is a FIFO waiting for its writer): one line, then the process ends by that
 * signal, as a shell reports it: 128 + its number. Nothing has been written yet. Not process.exit():
 * it waits for the thread still blocked opening the FIFO, for ever. Returns the function that hands
 * the signals on to the run.
 */
function stopBeforeTheRun(): () => void {
  const handlers = stopSignals.map((s) => {
    const h = (): void => {
      removeTemporaryFiles();
      process.stderr.write(`leaktally: interrupted (${s}) before the scan began; nothing written\n`);
      handOn();
      // with no listener left the signal's default action is back: it ends the process at once
      process.kill(process.pid, s);
    };
    process.on(s, h);
    return [s, h] as const;
  });
  const handOn = (): void => {
    for (const [s, h] of handlers) process.off(s, h);
  };
  return handOn;
}

// taken before the command line loads; handed on by it once the run took the signals over (there is
// never a moment with no listener: Node then drops a signal not yet dispatched)
const handOn = stopBeforeTheRun();
const { start } = await import('./command.js');
start(handOn);
