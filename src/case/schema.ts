/**
 * The case file's schema: SQLite tables an investigator can open with the sqlite3 shell or any tool
 * of theirs (README, "The case file"), versioned in SQLite's own user_version and migrated forward
 * when an older case file is opened by a newer leaktally. A case file of a newer schema than this
 * build knows is refused, never rewritten.
 */
import { FILE_COLUMNS } from '../scan/read/stored.js';

export { FILE_COLUMNS };

/** The schema this build writes (PRAGMA user_version). */
export const SCHEMA_VERSION = 4;

/** What `case_info.format` holds: a case file is told from another SQLite database by it. */
export const FORMAT = 'leaktally case';

/**
 * Migrations: MIGRATIONS[v] takes a case file from schema v to v + 1 (MIGRATIONS[0] creates it). One
 * transaction each; a case file is never left between two versions.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE case_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  -- one row per run of leaktally with this case file
  CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT NOT NULL,    -- ISO 8601 with the zone's offset
    finished_at   TEXT,             -- NULL: the run never ended (killed, a power cut)
    zone          TEXT NOT NULL,    -- --tz
    tool_version  TEXT NOT NULL,
    host          TEXT NOT NULL,
    root          BLOB NOT NULL,    -- the folder scanned, its path's bytes as given
    root_shown    TEXT NOT NULL,
    options       TEXT NOT NULL,    -- JSON: depth, pattern, retention, as-of, country, register …
    argv          TEXT NOT NULL,    -- JSON array: the command line
    outcome       TEXT NOT NULL,    -- running | done | stopped (a signal) | failed
    complete      INTEGER,          -- 1: every file read and attributed; 0: the outputs say incomplete
    completeness  TEXT,             -- the outputs' words for it
    files         INTEGER,          -- files counted
    taken_over    INTEGER,          -- of those, files taken over unchanged from an earlier run (not read)
    resumed_from  INTEGER REFERENCES runs(id),
    links_skipped INTEGER,
    special_skipped INTEGER,
    noatime_folders INTEGER,        -- 1: every folder listed with O_NOATIME
    noatime_files_refused INTEGER   -- files whose O_NOATIME open was refused (access time moved)
  );
  -- one row per file of a run (another name of a file counted once: hard_link = 1)
  CREATE TABLE files (
    run           INTEGER NOT NULL REFERENCES runs(id),
    path          NOT NULL,         -- below the root, '/'-separated: TEXT when its bytes are UTF-8 (they
                                    -- are its text's), else a BLOB of the bytes (a Latin-1 name)
    -- what reading the file found: the same whatever the options
    kind          TEXT NOT NULL,    -- audio | other | unreadable
    bytes         INTEGER NOT NULL, -- its size
    seconds       REAL,             -- audio present (audio files)
    codec         TEXT,
    sample_rate   INTEGER,
    channels      INTEGER,
    embedded_date TEXT,             -- JSON: a date inside the file (tags, BWF, MP4 creation)
    error         TEXT,             -- why unreadable, or a note on a repaired length
    unopened      INTEGER,          -- 1: could not be opened or read: its content is unknown
    sparse        INTEGER,
    hard_link     INTEGER,
    allocated     INTEGER,          -- bytes allocated, when fewer than its size
    dev           INTEGER,          -- device, inode, mtime: how a resumed run knows the file again
    ino           INTEGER,
    mtime_ms      REAL,
    -- where this run placed it (its pattern, depth, zone, retention)
    row_kind      TEXT NOT NULL,    -- customer | unmatched | top-level
    customer      TEXT NOT NULL,
    caller        TEXT,             -- the caller's key (E.164 where it parses)
    withheld_caller INTEGER,
    start_ms      INTEGER,          -- the recording's start (ms since 1970, UTC)
    date_source   TEXT,
    month         TEXT,             -- yyyy-MM in the zone
    past_retention INTEGER
  );
  CREATE INDEX files_by_run ON files (run);
  -- every folder of a run below the root; error: why it could not be listed (its files are not counted)
  CREATE TABLE folders (
    run           INTEGER NOT NULL REFERENCES runs(id),
    path          NOT NULL,         -- as files.path
    depth         INTEGER NOT NULL, -- 1: a child of the root
    error         TEXT
  );
  CREATE INDEX folders_by_run ON folders (run);
  `,
  `
  -- a tree on a web server: every request a run made, retries included (the evidence of what sizing
  -- it in place cost the server)
  CREATE TABLE requests (
    run           INTEGER NOT NULL REFERENCES runs(id),
    at_ms         REAL NOT NULL,    -- when it was sent (ms since 1970, UTC)
    path          TEXT NOT NULL,    -- the URL's path as sent (percent-encoded), below the server's root
    range         TEXT,             -- the Range header sent (NULL: a listing)
    status        INTEGER,          -- the answer's status; NULL: no answer (error says why)
    bytes         INTEGER NOT NULL, -- body bytes received
    ms            REAL NOT NULL,    -- how long it took, to the last byte read
    error         TEXT
  );
  CREATE INDEX requests_by_run ON requests (run);
  `,
  `
  -- a file's ctime where it was read: a resumed run takes a file over only with the same device,
  -- inode, size, mtime and ctime, as an mtime can be set back (touch -r, rsync --inplace -t) and a
  -- ctime cannot (attack round 24 H1). NULL in the rows of a case file written before: those are
  -- compared as they were (device, inode, size, mtime), and the resume says so.
  ALTER TABLE files ADD COLUMN ctime_ms REAL;
  `,
  `
  -- a shard's run (--shard): every folder it listed, as it listed it, including the root and the
  -- folders above the customer level that every shard lists. --merge compares them across the shards
  -- and with the shards' start (case/merge.ts): a file moved between two shard runs, from a customer
  -- of a slice not yet scanned into one already scanned, was in no shard (attack round 24b C1b).
  -- In the order listed (rowid), depth first: a folder's path is the names of the last rows above it,
  -- one a level (names, not paths: a deep tree's paths cost the square of its depth).
  CREATE TABLE folder_stamps (
    run           INTEGER NOT NULL REFERENCES runs(id),
    name          NOT NULL,         -- its name, as folders.path holds a path ('' the root)
    depth         INTEGER NOT NULL, -- 0: the root
    stamp         TEXT NOT NULL,    -- device:inode:mtime_ns:ctime_ns when listed
    ctime_ms      REAL NOT NULL     -- its ctime (ms since 1970, UTC), as the stamp's
  );
  CREATE INDEX folder_stamps_by_run ON folder_stamps (run);
  `,
];

export const REQUEST_COLUMNS = ['run', 'at_ms', 'path', 'range', 'status', 'bytes', 'ms', 'error'] as const;

export const FOLDER_COLUMNS = ['run', 'path', 'depth', 'error'] as const;

export const FOLDER_STAMP_COLUMNS = ['run', 'name', 'depth', 'stamp', 'ctime_ms'] as const;
