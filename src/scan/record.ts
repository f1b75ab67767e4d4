/**
 * One file through the pipeline: read metadata → date → customer. Pure apart from reading the file;
 * the same function runs in the worker threads and, with --threads 0, on the main thread.
 */
import { createProbeIo, probeFile, type FileKind, type ProbeIo } from './probe/index.js';
import { resolveStart, type DateSource } from './date/resolve.js';
import { monthKey } from './date/zone.js';
import { compilePattern, matchPattern, type CompiledPattern } from './pattern.js';
import { decodeName } from './names.js';

export interface ScanConfig {
  /** the folder to scan, as given */
  root: string;
  /** customer = the folder this many levels below the root */
  depth: number;
  pattern?: string;
  /** IANA zone for naive times */
  zone: string;
  /** worker threads; 0 scans on the calling thread */
  threads: number;
  /**
   * A reader thread that has not finished a file after this long is replaced and the file counted
   * as unreadable (default STALL_MS). Needs threads; a scan on the calling thread cannot be watched.
   */
  stallMs?: number;
}

export const STALL_MS = 60_000;

/** What a file is counted as. Files directly above the customer level, or not matched by the pattern: */
export const TOP_LEVEL = '(top level)';
export const UNMATCHED = '(unmatched)';

export interface FileRecord {
  /**
   * path below the root, '/'-separated, names decoded for display. Left out (to spare the threads'
   * messages) when nothing asks for every file's path: it is always there for unreadable files.
   */
  path?: string;
  customer: string;
  kind: FileKind;
  bytes: number;
  seconds?: number;
  codec?: string;
  sampleRate?: number;
  channels?: number;
  startMs?: number;
  dateSource?: DateSource;
  /** yyyy-MM of the start in the zone */
  month?: string;
  caller?: string;
  error?: string;
}

export interface RecordContext {
  rootBytes: Buffer;
  /** put every file's path in its record (a manifest is written, or a caller wants records) */
  keepPaths: boolean;
  depth: number;
  zone: string;
  pattern?: CompiledPattern;
  /** this thread's read buffer and O_NOATIME count: one per thread, one file at a time */
  io: ProbeIo;
}

export function makeContext(cfg: ScanConfig, keepPaths = true): RecordContext {
  const root = Buffer.from(cfg.root);
  const rootBytes = root[root.length - 1] === 0x2f ? root : Buffer.concat([root, Buffer.from('/')]);
  return { rootBytes, keepPaths, depth: cfg.depth, zone: cfg.zone, pattern: cfg.pattern ? compilePattern(cfg.pattern) : undefined, io: createProbeIo() };
}

interface Located {
  name: string;
  dirs: () => string[];
  fullPath: () => string;
  customer: string;
  caller?: string;
  patternMs?: number;
  /** the path, when the pattern needed it */
  path?: string;
}

/** Where a file belongs (customer, caller, pattern date), from its path alone. */
function locate(rel: Buffer, ctx: RecordContext): Located {
  // where each name starts and ends; names are decoded only when something needs them
  const bounds: number[] = [0];
  for (let i = 0; i < rel.length; i++) if (rel[i] === 0x2f) bounds.push(i, i + 1);
  bounds.push(rel.length);
  const names = bounds.length / 2;
  const segment = (k: number): string => decodeName(rel.subarray(bounds[2 * k]!, bounds[2 * k + 1]!));
  const name = segment(names - 1);
  const dirs = (): string[] => Array.from({ length: names - 1 }, (_, k) => segment(k));
  const fullPath = (): string => (names === 1 ? name : [...dirs(), name].join('/'));
  const at: Located = { name, dirs, fullPath, customer: names - 1 >= ctx.depth ? segment(ctx.depth - 1) : TOP_LEVEL };
  if (ctx.pattern) {
    at.path = fullPath();
    const m = matchPattern(ctx.pattern, at.path, ctx.zone);
    if (!m) at.customer = UNMATCHED;
    else {
      if (ctx.pattern.hasCustomer) at.customer = m.customer!;
      at.caller = m.caller;
      at.patternMs = m.dateMs;
    }
  }
  return at;
}

/** The record of a file whose reading never finished (its reader thread was replaced). */
export function stalledRecord(rel: Buffer, ctx: RecordContext, seconds: number): FileRecord {
  const at = locate(rel, ctx);
  const rec: FileRecord = { path: at.path ?? at.fullPath(), customer: at.customer, kind: 'unreadable', bytes: 0, error: `reading did not finish within ${seconds} s; skipped` };
  if (at.caller !== undefined) rec.caller = at.caller;
  return rec;
}

/** rel: the path below the root as raw bytes ('/'-separated). */
export async function processFile(rel: Buffer, ctx: RecordContext): Promise<FileRecord> {
  const at = locate(rel, ctx);
  const abs = Buffer.concat([ctx.rootBytes, rel]);
  const facts = await probeFile(abs, at.name, ctx.io);
  const p = facts.probe;

  const path = ctx.keepPaths || p.kind === 'unreadable' ? (at.path ?? at.fullPath()) : undefined;
  const rec: FileRecord = { customer: at.customer, kind: p.kind, bytes: facts.bytes };
  if (path !== undefined) rec.path = path;
  if (p.seconds !== undefined) rec.seconds = p.seconds;
  if (p.codec !== undefined) rec.codec = p.codec;
  if (p.sampleRate) rec.sampleRate = p.sampleRate;
  if (p.channels) rec.channels = p.channels;
  if (at.caller !== undefined) rec.caller = at.caller;
  if (p.error !== undefined) rec.error = p.error;
  if (p.kind !== 'other') {
    const start = resolveStart({
      zone: ctx.zone, patternMs: at.patternMs, name: at.name, dirs: at.dirs, embedded: p.embeddedDate, mtimeMs: facts.mtimeMs, seconds: p.seconds,
    });
    if (start) {
      rec.startMs = start.ms;
      rec.dateSource = start.source;
      rec.month = monthKey(ctx.zone, start.ms);
    }
  }
  return rec;
}
