/*
 * Tracker modules (MOD, S3M, XM, IT, MPTM): their length is sized by libopenmpt, compiled to wasm
 * (npm `chiptune3`).
 *
 * Why a player and not a header reader: a module is a score (patterns, an order list, samples) that
 * the player renders; its length is its play time, which depends on every tempo/speed command,
 * pattern break, position jump and loop in the song. No header holds it, and computing it means
 * following the song as a player does (libopenmpt's own length calculation, the one ffmpeg uses to
 * decode modules). Writing that by hand for four formats and their quirks is a player; libopenmpt is
 * the well-kept one.
 *
 * The wasm (~1.7 MB of script) is loaded lazily, on the first module a thread meets, and once per
 * thread (each worker has its own module graph): a tree of WAV and MP3 never loads it.
 */
import type { FileSource, ProbeResult } from './types.js';
import { fmtS } from './mp3.js';

/** A module is read whole (the player needs all of it); over this it is not read. Real modules are KBs to a few MB. */
export const MODULE_MAX_BYTES = 32 * 1024 * 1024;
/**
 * libopenmpt stops at the song's end or at the first loop back; a length past this is not a play
 * time anyone would record, so it is not believed (the plausibility guard for modules: their bytes
 * say nothing of their length, so the bit-rate floor cannot apply).
 */
export const MODULE_MAX_SECONDS = 24 * 3600;

interface OpenMpt {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  _openmpt_module_create_from_memory(p: number, n: number, logfunc: number, user: number, ctls: number): number;
  _openmpt_module_get_duration_seconds(m: number): number;
  _openmpt_module_destroy(m: number): void;
}

let lib: Promise<OpenMpt> | undefined;

function openmpt(): Promise<OpenMpt> {
  if (!lib) {
    // a string variable, so that TypeScript does not look for declarations the package does not ship
    const spec = 'chiptune3/libopenmpt.worklet.js';
    lib = import(spec).then((m: { default: (o: object) => Promise<OpenMpt> }) =>
      // libopenmpt's default log goes to stderr, which would break the terminal UI: silenced
      m.default({ print: () => {}, printErr: () => {} }),
    );
    lib.catch(() => {
      lib = undefined;
    });
  }
  return lib;
}

/** The module kind by content (undefined when the bytes are not a module's). */
export function moduleKind(h: Buffer): string | undefined {
  const four = h.toString('latin1', 0, 4);
  if (four === 'IMPM') return 'IT';
  if (h.toString('latin1', 0, 17) === 'Extended Module: ') return 'XM';
  if (h.length >= 48 && h.toString('latin1', 44, 48) === 'SCRM') return 'S3M';
  if (
    h.length >= 1084 &&
    /^(M\.K\.|M!K!|M&K!|FLT[48]|[2-9]CHN|[1-3][0-9]CH|CD81|OKTA|OCTA)$/.test(h.toString('latin1', 1080, 1084))
  )
    return 'MOD';
  return undefined;
}

/** Size a module by its play time; never throws for its content. */
export async function probeModule(src: FileSource, kind: string): Promise<ProbeResult> {
  const codec = `MODULE/${kind}`;
  if (src.size > MODULE_MAX_BYTES) {
    return {
      kind: 'unreadable',
      codec,
      error: `${kind} module of ${src.size} bytes: over the ${MODULE_MAX_BYTES / 1048576} MiB read for modules`,
    };
  }
  const bytes = src.size <= src.head.length ? src.head : src.read(0, src.size);
  let mpt: OpenMpt;
  try {
    mpt = await openmpt();
  } catch (e) {
    return {
      kind: 'unreadable',
      codec,
      error: `${kind} module: the module player did not load: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
  let seconds: number;
  const p = mpt._malloc(bytes.length);
  if (!p) return { kind: 'unreadable', codec, error: `${kind} module: no memory for ${bytes.length} bytes` };
  try {
    mpt.HEAPU8.set(bytes, p);
    const m = mpt._openmpt_module_create_from_memory(p, bytes.length, 0, 0, 0);
    if (!m) return { kind: 'unreadable', codec, error: `${kind} module: libopenmpt cannot open it` };
    try {
      seconds = mpt._openmpt_module_get_duration_seconds(m);
    } finally {
      mpt._openmpt_module_destroy(m);
    }
  } catch (e) {
    // a wasm trap (out of bounds, unreachable) on a hostile file: that file is unreadable, the scan goes on
    return {
      kind: 'unreadable',
      codec,
      error: `${kind} module: libopenmpt failed: ${e instanceof Error ? e.message : String(e)}`,
    };
  } finally {
    mpt._free(p);
  }
  if (!Number.isFinite(seconds) || seconds <= 0)
    return { kind: 'unreadable', codec, error: `${kind} module: libopenmpt gives no length` };
  if (seconds > MODULE_MAX_SECONDS)
    return { kind: 'unreadable', codec, error: `${kind} module: libopenmpt gives ${fmtS(seconds)}, not believable` };
  return { kind: 'audio', codec, seconds };
}
