/**
 * Preloaded into the CLI's process by the customers bench (node --import peak.js dist/cli/main.js …):
 * on the way out it writes that process's own peak RSS (getrusage's maxRSS, in KiB) to the file named
 * by LEAKTALLY_BENCH_PEAK. The CLI itself runs unchanged, as `leaktally` does, with the same argv and
 * exit codes; reading VmHWM from outside would race the process's exit.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.LEAKTALLY_BENCH_PEAK;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
