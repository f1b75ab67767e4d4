/**
 * The UI with a register (issue 8 item 9), on the generated Itell-style leak: rows are controllers
 * (keys merged, callers de-duplicated), keys the register does not know are rows with no controller,
 * register controllers with no files are rows of zeros; Enter shows a controller's keys and figures;
 * the export writes the same per-controller summary as the command line.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AS_OF,
  CONTROLLERS,
  PATTERN,
  UNREGISTERED,
  ZONE,
  generateItell,
  itellArgs,
  type Generated,
} from './fixtures/itell.js';
import { csvObjects, runCli, tempDir } from './helpers.js';
import { KEY, startApp, until } from './tui-helpers.js';
import { readNotifyOptions } from '../src/cli/notify-args.js';
import { planRun } from '../src/cli/plan.js';
import { compilePattern } from '../src/scan/place/pattern.js';
import { ControllerRows } from '../src/tui/controllers.js';
import { cust } from './tui-helpers.js';
import { parseRegister } from '../src/report/notify/register.js';

let g: Generated;
let dir: string;
/** the options as the command line reads them (the register is read streamed: once, here) */
let n: Awaited<ReturnType<typeof readNotifyOptions>>;
beforeAll(async () => {
  dir = tempDir();
  g = generateItell(dir);
  n = await readNotifyOptions({ register: g.register, retention: '30d', asOf: AS_OF, country: 'SE' }, dir, ZONE);
}, 120_000);

function app(columns = 120, rows = 40) {
  // the plan the command line makes of these options (its scan config and its notification options)
  const plan = planRun({
    argv: [],
    dir: g.root,
    depth: 1,
    pattern: compilePattern(PATTERN),
    tz: ZONE,
    threads: 0,
    strictEvidence: false,
    notify: n,
    delimiter: ',',
    tui: true,
    allowIncomplete: false,
  });
  return startApp(g.root, {
    config: plan.scan,
    notify: plan.notify,
    size: { columns, rows },
  });
}

/** the table's row for a label: its FILES figure */
const filesOf = (frame: string, label: string): number | undefined => {
  // (≥: a lower bound, while the fixture's unregistered keys may hold any controller's recordings)
  const re = new RegExp(`^.${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+≥?([\\d,]+)\\s`);
  const m = frame
    .split('\n')
    .map((l) => re.exec(l))
    .find(Boolean);
  return m ? Number(m[1]!.replace(/,/g, '')) : undefined;
};

describe('the UI with --register', () => {
  it('rows are controllers, unknown keys their own rows; controllers with no files dashes while unknown keys hold recordings', async () => {
    const a = app();
    try {
      const f = await until(a.lastFrame, (x) => x.includes('done 100%'), 'the scan');
      expect(f).toMatch(/CONTROLLER \/ KEY\s+FILES▼/);
      const rows = CONTROLLERS.length + UNREGISTERED.length;
      expect(f).toMatch(new RegExp(`TOTAL \\(${rows}\\)\\s+≥?${g.files.toLocaleString('en-US')}\\b`));
      for (const [label, e] of g.expected) {
        if (label.startsWith('<')) continue; // shown cut at the column's width; checked in its view below
        // (nothing under its keys: "–", not 0, while the unregistered keys' recordings may be its)
        expect(filesOf(f, label), label).toBe(e.files || undefined);
      }
      expect(f).toMatch(/^.Ingen Fil AB\s+–\s/m);
      // every folder was read: its dashes say why nothing is known, not "not read" (round 27)
      const ingen = f.split('\n').find((l) => l.includes('Ingen Fil AB')) ?? '';
      expect(ingen).toContain('not known');
      expect(ingen).not.toContain('not read');
    } finally {
      a.unmount();
    }
  });

  it('Enter on a controller shows its keys and figures (callers de-duplicated, past retention); e writes its summary row', async () => {
    const a = app();
    try {
      await until(a.lastFrame, (x) => x.includes('done 100%'), 'the scan');
      a.stdin.write('/Acme\r'); // in one read, as fast typing or a paste comes: four keys, not one
      await until(
        a.lastFrame,
        (x) => x.includes('>Acme Försäkring AB') && x.includes('filter "Acme"'),
        'Acme highlighted',
      );
      a.stdin.write(KEY.enter);
      const view = await until(a.lastFrame, (x) => x.includes('Controller: Acme'), 'the controller view');
      const e = g.expected.get('Acme Försäkring AB')!;
      expect(view).toMatch(/Controller: Acme Försäkring AB \(org id 556000-0001, contact /);
      expect(view).toMatch(/Keys \(3\):\n {2}0812345001 {2}\d+ files?, .*\n {2}0812345002 {2}.*\n {2}0812345003 {2}/);
      expect(view).toMatch(new RegExp(`^${e.files} files: ${e.files} recordings`, 'm'));
      expect(view).toMatch(new RegExp(`; ${e.callers.size} distinct callers`));
      expect(view).toMatch(new RegExp(`Past retention: ${e.pastFiles} recordings`));
      a.stdin.write('e');
      await until(a.lastFrame, (x) => x.includes('Export the summary'), 'the export prompt');
      // everything by default: Tab, Tab choose the filtered rows, then the controller on screen
      a.stdin.write(KEY.tab);
      a.stdin.write(KEY.tab);
      a.stdin.write(KEY.enter);
      expect(await until(a.lastFrame, (x) => x.includes('wrote '), 'the export')).toMatch(/one customer: 1 row\)/);
      const file = readdirSync(a.out).find((x) => x.endsWith('.csv'))!;
      const csv = csvObjects(readFileSync(join(a.out, file), 'utf8'));
      // the file says it is part of the summary
      expect(csv.map((r) => r.customer)).toEqual([
        '0812345001; 0812345002; 0812345003',
        '(total of 1 of 9 rows: one row of the table: Acme Försäkring AB)',
      ]);
      expect(csv[0]).toMatchObject({
        controller: 'Acme Försäkring AB',
        org_id: '556000-0001',
        files: String(e.files),
        distinct_callers: String(e.callers.size),
        past_retention_files: String(e.pastFiles),
      });
    } finally {
      a.unmount();
    }
  });

  it('a key the register does not know: no controller; a controller with no files: not ruled out while it holds recordings', async () => {
    const a = app();
    try {
      await until(a.lastFrame, (x) => x.includes('done 100%'), 'the scan');
      a.stdin.write('/');
      a.stdin.write(UNREGISTERED[0]!);
      a.stdin.write(KEY.enter);
      await until(a.lastFrame, (x) => new RegExp(`>${UNREGISTERED[0]}`).test(x), 'the key highlighted');
      a.stdin.write(KEY.enter);
      expect(await until(a.lastFrame, (x) => x.includes('Controller:'), 'its view')).toMatch(
        /Controller: none \(this key is not in the register/,
      );
      a.stdin.write(KEY.escape);
      await until(a.lastFrame, (x) => x.includes('CONTROLLER / KEY'), 'the table');
      a.stdin.write('/');
      a.stdin.write('Ingen');
      a.stdin.write(KEY.enter);
      await until(a.lastFrame, (x) => x.includes('>Ingen Fil AB'), 'Ingen Fil AB highlighted');
      a.stdin.write(KEY.enter);
      const view = await until(a.lastFrame, (x) => x.includes('Controller: Ingen'), 'its view');
      expect(view).not.toMatch(/not affected/);
      expect(view).toMatch(/cannot be ruled out/i);
      expect(view).toMatch(/0812345090 {2}not in the tree\n {2}0812345091 {2}not in the tree/);
    } finally {
      a.unmount();
    }
  });

  it('e from the table writes every controller: the same summary as the command line', async () => {
    const a = app();
    try {
      await until(a.lastFrame, (x) => x.includes('done 100%'), 'the scan');
      a.stdin.write('e');
      await until(a.lastFrame, (x) => x.includes('Export the summary'), 'the export prompt');
      a.stdin.write(KEY.enter);
      const rows = CONTROLLERS.length + UNREGISTERED.length;
      expect(await until(a.lastFrame, (x) => x.includes('wrote '), 'the export')).toMatch(
        new RegExp(`every row: ${rows} rows\\)`),
      );
      const file = readdirSync(a.out).find((x) => x.endsWith('.csv'))!;
      const mine = readFileSync(join(a.out, file), 'utf8');
      const r = runCli([...itellArgs(g), '--threads', '0', '--csv', '-']);
      expect(r.status).toBe(3); // (the unregistered keys: incomplete, as the UI's rows say)
      expect(csvObjects(mine)).toEqual(csvObjects(r.stdout));
      expect(
        csvObjects(mine)
          .map((x) => x.controller)
          .filter(Boolean),
      ).toEqual(CONTROLLERS.map((c) => c.controller));
    } finally {
      a.unmount();
    }
  });
});

describe('controller rows between snapshots', () => {
  it('a controller is asked of the report again only when one of its keys changed', () => {
    const register = parseRegister('key,controller\na1,A\na2,A\nb1,B\n', 'r.csv');
    const view = new ControllerRows({ register }, false);
    const one = view.update([cust('a1', 1), cust('x', 2), cust('b1', 3)]);
    expect(one.map((r) => [r.customer, r.files, r.notify.kind])).toEqual([
      ['A', 1, 'controller'],
      ['B', 3, 'controller'],
      ['x', 2, 'unregistered'],
    ]);
    const rows2 = [cust('a1', 1), cust('x', 2), cust('b1', 3), cust('a2', 4)];
    rows2[0] = one[0]!.parts[0]!; // a1 unchanged (the same object)
    rows2[1] = one[2]!.parts[0]!; // x unchanged
    const two = view.update(rows2);
    expect(two.map((r) => [r.customer, r.files])).toEqual([
      ['A', 5],
      ['B', 3],
      ['x', 2],
    ]);
    expect(two[0]).not.toBe(one[0]); // a2 joined A
    expect(two[2]).toBe(one[2]); // x did not change
  });

  it('while the scan runs, a snapshot remakes groups for a time, the rest in turn at the next ones; a finished scan all', () => {
    const register = parseRegister('key,controller\na1,A\nb1,B\nc1,C\n', 'r.csv');
    // no time at all: one group an update
    const view = new ControllerRows({ register }, false, 0);
    const rows = [cust('a1', 1), cust('b1', 2), cust('c1', 3), cust('x', 4)];
    const names = (rs: readonly { customer: string; files: number }[]): string[] =>
      rs.map((r) => `${r.customer}=${r.files}`);
    expect(names(view.update(rows))).toEqual(['A=1']);
    // the next snapshot (nothing changed): the groups left over, in turn
    expect(names(view.update([...rows]))).toEqual(['A=1', 'B=2']);
    // a1 changed: A waits its turn behind C and x
    const changed = [cust('a1', 10), ...rows.slice(1)];
    expect(names(view.update(changed))).toEqual(['A=1', 'B=2', 'C=3']);
    expect(names(view.update([...changed]))).toEqual(['A=1', 'B=2', 'C=3', 'x=4']);
    expect(names(view.update([...changed]))).toEqual(['A=10', 'B=2', 'C=3', 'x=4']);
    // a finished scan's rows: every group remade at once, whatever the time
    const done = [cust('a1', 11), cust('b1', 12), cust('c1', 13), cust('x', 14)];
    expect(names(view.update(done, { finished: true }))).toEqual(['A=11', 'B=12', 'C=13', 'x=14']);
  });
});
