/** What the main thread and the case file's writer thread (worker.ts) say to each other. */
import type { HttpEvidence } from '../scan/engine.js';

/** A run's row as it starts. */
export interface RunStart {
  /** ISO 8601 with the zone's offset */
  startedAt: string;
  zone: string;
  toolVersion: string;
  /** the folder scanned, its path's bytes */
  root: Uint8Array;
  rootShown: string;
  options: Record<string, unknown>;
  argv: string[];
  /** the run whose files were taken over (resume) */
  resumedFrom?: number;
}

/** A run's row as it ends. */
export interface RunEnd {
  finishedAt: string;
  outcome: 'done' | 'stopped' | 'failed';
  complete: boolean;
  completeness: string;
  files: number;
  takenOver: number;
  linksSkipped: number;
  specialSkipped: number;
  noatimeFolders: boolean;
  filesRefused: number;
  /** a web server's tree: what the run's requests cost it, kept in the run's options (as `http`) */
  http?: HttpEvidence;
}

export type ToWriter =
  | { t: 'start'; run: RunStart }
  /** rows of `files` (or `folders`) without their run column, one after another */
  | { t: 'files'; values: unknown[] }
  | { t: 'folders'; values: unknown[] }
  /** rows of `folder_stamps` (a shard's folders as listed), as the folders' */
  | { t: 'stamps'; values: unknown[] }
  /** rows of `requests` (a web server's tree), as the folders' */
  | { t: 'requests'; values: unknown[] }
  /** rows of `files` as a reader thread made them: a JSON array, paths as latin1 strings */
  | { t: 'stored'; json: string }
  | { t: 'finish'; end: RunEnd };

export type FromWriter =
  { t: 'started'; run: number } | { t: 'ack' } | { t: 'finished' } | { t: 'error'; message: string };
