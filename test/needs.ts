/**
 * What a test needs from the machine beyond Node, and what happens when it is not there.
 *
 * The tests behind the project's main claim (durations judged against what ffmpeg decodes) need
 * programs a fresh machine lacks. Outside CI a test whose program is missing is skipped with a note
 * naming the program and the Debian package that provides it (the skip reporter lists them at the
 * end of `npm test`); in CI (`LEAKTALLY_REQUIRE_TOOLS=1`, set by .ci/run after it installed them) it
 * fails instead, so a green CI can never be a run that quietly left the evidence out. Only a case that
 * needs a privilege the run does not have (root, or an ordinary user) may skip in CI: `ctx.skip` with
 * its reason, as before.
 */
import { describe, it, type TestContext } from 'vitest';
import { spawnSync } from 'node:child_process';

/** set by .ci/run: a missing program fails the test instead of skipping it */
export const REQUIRED = process.env.LEAKTALLY_REQUIRE_TOOLS === '1';

/** a program the tests run: how to ask it whether it works, and the Debian package it comes in */
const PROGRAMS = {
  ffmpeg: { check: ['-version'], apt: 'ffmpeg' },
  ffprobe: { check: ['-version'], apt: 'ffmpeg' },
  'espeak-ng': { check: ['--version'], apt: 'espeak-ng' },
  lame: { check: ['--version'], apt: 'lame' },
  sox: { check: ['--version'], apt: 'sox' },
  flac: { check: ['--version'], apt: 'flac' },
  wavpack: { check: ['--version'], apt: 'wavpack' },
  tmux: { check: ['-V'], apt: 'tmux' },
  strace: { check: ['-V'], apt: 'strace' },
  script: { check: ['--version'], apt: 'bsdutils' },
  setpriv: { check: ['--version'], apt: 'util-linux' },
  soffice: { check: ['--version'], apt: 'libreoffice-calc-nogui' },
  fusermount3: { check: ['--version'], apt: 'fuse3' },
  'pkg-config': { check: ['--version'], apt: 'pkg-config' },
  sqlite3: { check: ['--version'], apt: 'sqlite3' },
  nginx: { check: ['-v'], apt: 'nginx' },
  apache2: { check: ['-v'], apt: 'apache2' },
  lighttpd: { check: ['-v'], apt: 'lighttpd' },
  caddy: { check: ['version'], apt: 'caddy' },
  python3: { check: ['--version'], apt: 'python3' },
  openssl: { check: ['version'], apt: 'openssl' },
} as const;

export type Program = keyof typeof PROGRAMS;

/** a need that is not a program on PATH: a feature of one (ffmpeg's encoders), a library, an addon */
export interface Feature {
  what: string;
  ok: () => boolean;
  apt: string;
}

export type Need = Program | Feature;

const known = new Map<string, boolean>();

function present(need: Need): boolean {
  const key = typeof need === 'string' ? need : need.what;
  let ok = known.get(key);
  if (ok === undefined) {
    ok =
      typeof need === 'string'
        ? spawnSync(need, [...PROGRAMS[need].check], { stdio: 'ignore' }).status === 0
        : need.ok();
    known.set(key, ok);
  }
  return ok;
}

/** why the needs are not met ("needs lame, flac (apt-get install lame flac)"), or undefined when they are */
export function missing(...needs: Need[]): string | undefined {
  const absent = needs.filter((n) => !present(n));
  if (!absent.length) return undefined;
  const names = absent.map((n) => (typeof n === 'string' ? n : n.what));
  const apt = [...new Set(absent.map((n) => (typeof n === 'string' ? PROGRAMS[n].apt : n.apt)))];
  return `needs ${names.join(', ')} (apt-get install ${apt.join(' ')})`;
}

/** Inside a test: skip it with the reason, or in CI fail it (a missing program or facility). */
export function unavailable(ctx: TestContext, reason: string): never {
  if (REQUIRED) throw new Error(`CI requires this test to run, but it cannot here: ${reason}`);
  return ctx.skip(reason);
}

type Body = () => void;
type TestBody = (ctx: TestContext) => unknown;

/**
 * A group of tests that needs programs: when they are missing, the group is one test in its place that
 * skips with the reason (outside CI) or fails (in CI); its own setup (beforeAll making fixtures with
 * the missing program) never runs.
 */
export function describeWith(needs: Need[], title: string, body: Body): void {
  const why = missing(...needs);
  if (!why) {
    describe(title, body);
    return;
  }
  describe(title, () => {
    it('all of its tests', (ctx) => unavailable(ctx, why));
  });
}

/** One test that needs programs: skipped with the reason, or failed in CI, when they are missing. */
export function itWith(needs: Need[], title: string, body: TestBody, timeout?: number): void {
  itUnless(missing(...needs), title, body, timeout);
}

/** One test that cannot run here when `why` is given (skipped with it, or failed in CI). */
export function itUnless(why: string | undefined, title: string, body: TestBody, timeout?: number): void {
  if (why === undefined) it(title, body, timeout);
  else it(title, (ctx) => unavailable(ctx, why));
}

/** ffmpeg built with an encoder (Debian's is; a minimal build may lack it) */
export function ffmpegEncoder(...names: string[]): Feature {
  return {
    what: `ffmpeg's ${names.join(' and ')} encoder${names.length > 1 ? 's' : ''}`,
    apt: 'ffmpeg',
    ok: () => {
      const list = String(spawnSync('ffmpeg', ['-hide_banner', '-encoders']).stdout);
      return names.every((n) => new RegExp(`\\b${n}\\b`).test(list));
    },
  };
}

/** Musepack's encoder (mpcenc runs with no arguments only to print its banner, exit status 1) */
export const MPCENC: Feature = {
  what: 'mpcenc',
  apt: 'musepack-tools',
  ok: () => {
    const r = spawnSync('mpcenc', [], { encoding: 'latin1' });
    return `${r.stdout}${r.stderr}`.includes('MPC Encoder');
  },
};

/**
 * A case that needs root (a mount, a device node): run as an ordinary user it is skipped with the
 * reason, in CI too; run as root, the reason is a facility the machine lacks, which CI does not accept.
 */
export function needsRoot(ctx: TestContext, reason: string): never {
  return process.getuid?.() === 0 ? unavailable(ctx, reason) : ctx.skip(reason);
}
