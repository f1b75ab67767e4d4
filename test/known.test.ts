/**
 * A resumed scan's store of the files an earlier run read (src/case/known.ts): each file's facts
 * handed out exactly as the row gives them (the readers compare them with the file as it is now), once,
 * and a path stored again handed out as it was stored last. Real rows: a case file written by
 * the CLI over a copy of samples/leak (audio, other and unreadable files, errors, embedded dates).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { KnownStore } from '../src/case/known.js';
import { openCase } from '../src/case/db.js';
import { STORED_COLUMNS, storedFacts, type StoredRow } from '../src/case/rows.js';
import type { FileFacts } from '../src/scan/probe/index.js';
import { LEAK, runCli, tempDir } from './helpers.js';

describe('KnownStore', () => {
  it("hands each stored file's facts out once, as its row gives them", () => {
    const dir = tempDir();
    const tree = join(dir, 'tree');
    expect(spawnSync('cp', ['-a', LEAK, tree]).status).toBe(0);
    const db = join(dir, 'c.case');
    expect(runCli([tree, '--tz', 'UTC', '--case', db, '--allow-incomplete']).status).toBe(0);
    const { db: h } = openCase(db, { create: false });
    let rows: { rel: string; json: string }[];
    try {
      rows = (h.all(`SELECT ${STORED_COLUMNS} FROM files WHERE hard_link IS NULL`) as unknown as StoredRow[]).map(
        (r) => {
          const s = storedFacts(r);
          return { rel: s.rel.toString('latin1'), json: JSON.stringify(s.facts) };
        },
      );
    } finally {
      h.close();
    }
    // the sample tree's files are of every kind, some with an error or a date from their header
    expect(rows.length).toBeGreaterThan(10);
    const kinds = new Set(rows.map((r) => (JSON.parse(r.json) as { probe: { kind: string } }).probe.kind));
    expect([...kinds].sort()).toEqual(['audio', 'other', 'unreadable']);
    expect(rows.some((r) => r.json.includes('"error"'))).toBe(true);
    const store = new KnownStore(rows.length + 1);
    for (const r of rows) store.add(r.rel, JSON.parse(r.json) as FileFacts);
    // one path stored again (a later run's row of the file): the later facts are handed out
    const twice = rows[0]!;
    const later = { ...(JSON.parse(twice.json) as FileFacts), mtimeMs: 1 };
    store.add(twice.rel, later);
    expect(store.take(twice.rel)).toBe(JSON.stringify(later));
    expect(store.take(twice.rel)).toBeUndefined();
    for (const r of rows.slice(1)) expect(store.take(r.rel)).toBe(r.json);
    for (const r of rows.slice(1)) expect(store.take(r.rel)).toBeUndefined();
    expect(store.take('no/such/file.wav')).toBeUndefined();
    expect(() => store.add('one/more.wav', JSON.parse(twice.json) as FileFacts)).toThrow(
      /more files than it was made for/,
    );
  });
});
