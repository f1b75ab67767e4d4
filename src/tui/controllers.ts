/**
 * With --register the UI's rows are controllers (their keys merged, callers de-duplicated across
 * them), keys the register does not know as rows of their own with no controller, and register
 * controllers with no files as rows of zeros: the rows of the summary. They are the report's own rows
 * (notifyRows), not a second aggregation; what is here only keeps them up to date cheaply: a group
 * (a controller, or one unregistered key or built-in row) is asked of notifyRows again only when one
 * of its keys' rows changed (rows are shared between snapshots, engine.ts), and an unchanged group
 * keeps its row object, so that the table's order is merged, not sorted again (view.ts). While a
 * scan runs, a snapshot remakes groups for at most UPDATE_BUDGET_MS, the rest at the next one (in
 * turn, from where it stopped): with 5,000 controllers and 50,000 keys nearly every group changes
 * between snapshots, and remaking them all (33-300 ms a snapshot, more as the scan went on) held a
 * key's frame back (up to 1.5 s). A finished scan's rows are all remade.
 */
import { firstUnmatched, firstUnreadable, rowKey, type CustomerTotals, type RowKind } from '../scan/tally/aggregate.js';
import { availabilityOf, type Availability } from '../report/notify/model.js';
import { notifyRows, type NotifyOptions, type NotifyRow } from '../report/notify/notify.js';
import type { Controller, Register } from '../report/notify/register.js';
import { rowCompleteness, type RowCompleteness, type RunGaps } from '../report/notify/completeness.js';

/**
 * A table row's completeness, from the run's gaps: the reports' own judgement of a row
 * (rowCompleteness), of the notification row it shows, or of the engine's row (no register).
 */
export function judgeRow(gaps: RunGaps, c: CustomerTotals): RowCompleteness {
  if (isGroupRow(c)) return rowCompleteness(gaps, c.notify, c.notify.kind, c.notify.keys);
  return rowCompleteness(gaps, c, c.kind, [c.customer]);
}

/** A table row standing for a notification row: the figures the table and the customer view read. */
export interface GroupRow extends CustomerTotals {
  /** the report's row it shows */
  notify: NotifyRow;
  /** the engine's rows merged in it (a controller's keys found in the tree; else the one row) */
  parts: readonly CustomerTotals[];
}

export const isGroupRow = (r: CustomerTotals): r is GroupRow => 'notify' in r;

/** The longest a snapshot's update remakes groups while the scan runs (ms). */
const UPDATE_BUDGET_MS = 15;

/** The register narrowed to some controllers (for one group's row, or for an export of some rows). */
function registerOf(full: Register, controllers: readonly Controller[]): Register {
  const byKey = new Map<string, Register['entries'][number]>();
  for (const c of controllers) for (const e of c.entries) byKey.set(e.key, e);
  return { ...full, entries: controllers.flatMap((c) => c.entries), byKey, controllers: [...controllers] };
}

interface Group {
  /** the register's controller, or none (an unregistered key or a built-in row) */
  controller?: Controller;
  /** indexes into the engine's rows */
  parts: number[];
  /** the register narrowed to its controller, made once */
  register?: Register;
  row?: GroupRow;
  dirty: boolean;
}

function groupRow(n: NotifyRow, parts: readonly CustomerTotals[]): GroupRow {
  const only = parts.length === 1 ? parts[0] : undefined;
  const kind: RowKind = n.kind === 'unmatched' || n.kind === 'top-level' ? n.kind : 'customer';
  // the report's figures as they are (the same units); the examples are the engine's rows' own (the
  // report keeps none)
  const row: GroupRow = {
    // a key keeps its own name (rowLabel shows it), a controller its name
    customer: only && n.kind !== 'controller' ? only.customer : n.label,
    kind,
    files: n.files,
    audioFiles: n.audioFiles,
    otherFiles: n.otherFiles,
    opaqueFiles: n.opaqueFiles,
    unreadableFiles: n.unreadableFiles,
    unreadableFolders: n.unreadableFolders,
    hardLinks: n.hardLinks,
    sparseFiles: n.sparseFiles,
    unopenedFiles: n.unopenedFiles,
    bytes: n.bytes,
    audioMicros: n.audioMicros,
    firstMs: n.firstMs,
    lastMs: n.lastMs,
    distinctCallers: n.distinctCallers,
    withheldCallerCalls: n.withheldCallerCalls,
    pastRetentionFiles: n.pastRetentionFiles ?? 0,
    pastRetentionMicros: n.pastRetentionMicros ?? 0,
    oldestPastRetentionMs: n.oldestPastRetentionMs,
    formats: n.formats,
    months: n.months,
    dateSources: n.dateSources,
    unreadableExamples: firstUnreadable(parts),
    notify: n,
    parts,
  };
  const unmatched = firstUnmatched(parts);
  if (unmatched.length) row.unmatchedExamples = unmatched;
  return Object.freeze(row);
}

/**
 * The notification rows of a snapshot's rows, kept from one snapshot to the next. Rows come out in
 * a stable order (register controllers first, in register order; then the other rows in the order
 * the engine's rows first appeared), a group's row the same object while none of its keys changed.
 */
export class ControllerRows {
  private source: readonly CustomerTotals[] = [];
  private list: unknown;
  private groups: Group[] = [];
  private byController = new Map<string, Group>();
  private groupOf: Group[] = [];
  private out: readonly GroupRow[] = [];
  /** where the last update stopped remaking groups (while a scan runs) */
  private next = 0;
  private readonly emptyRegister: Register;

  constructor(
    private readonly opts: NotifyOptions & { register: Register },
    private readonly withCallers: boolean,
    /** how long a snapshot's update may remake groups (ms; 0: one group an update) */
    private readonly budgetMs = UPDATE_BUDGET_MS,
  ) {
    this.emptyRegister = registerOf(opts.register, []);
    this.reset();
  }

  private reset(): void {
    this.source = [];
    this.groupOf = [];
    this.next = 0;
    this.groups = this.opts.register.controllers.map((controller) => ({ controller, parts: [], dirty: true }));
    this.byController = new Map(this.groups.map((g) => [g.controller!.controller, g]));
  }

  /**
   * The rows for these engine rows: a snapshot's (in the order rows first appeared; list undefined;
   * groups remade for at most UPDATE_BUDGET_MS, a group not yet made left out until it is), or a
   * finished scan's result rows, whose caller keys let callers be de-duplicated across a controller's
   * keys (list: the result; every group remade). Another list than last time starts again.
   */
  update(rows: readonly CustomerTotals[], list?: unknown): readonly GroupRow[] {
    if (rows === this.source) return this.out;
    if (list !== this.list) {
      this.list = list;
      this.reset();
    }
    const old = this.source;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r === old[i]) continue;
      let g = this.groupOf[i];
      if (!g) {
        const entry = r.kind === 'customer' ? this.opts.register.byKey.get(r.customer) : undefined;
        const found: Group = (entry ? this.byController.get(entry.controller) : undefined) ?? {
          parts: [],
          dirty: true,
        };
        if (!found.controller) this.groups.push(found);
        found.parts.push(i);
        this.groupOf[i] = found;
        g = found;
      }
      g.dirty = true;
    }
    this.source = rows;
    const avail: Availability = availabilityOf(rows.length && rows[0]!.callers ? rows : []);
    let changed = false;
    const n = this.groups.length;
    const until = list === undefined ? performance.now() + this.budgetMs : Infinity;
    for (let k = 0, i = this.next; k < n; k++, i = i + 1 < n ? i + 1 : 0) {
      const g = this.groups[i]!;
      if (!g.dirty) continue;
      if (changed && performance.now() >= until) {
        this.next = i;
        break;
      }
      g.dirty = false;
      changed = true;
      const parts = g.parts.map((i) => rows[i]!);
      const register = g.controller
        ? (g.register ??= registerOf(this.opts.register, [g.controller]))
        : this.emptyRegister;
      const report = notifyRows(parts, this.withCallers, { ...this.opts, register }, avail);
      g.row = groupRow(report.rows[0]!, parts);
    }
    if (changed) {
      const made: GroupRow[] = [];
      for (const g of this.groups) if (g.row) made.push(g.row);
      this.out = Object.freeze(made);
    }
    return this.out;
  }
}

/** What an export of some table rows writes: the engine's rows under them, the register narrowed to their controllers. */
export function exportPartsOf(
  shown: readonly CustomerTotals[],
  resultRows: readonly CustomerTotals[],
  register: Register,
): { rows: CustomerTotals[]; register: Register } {
  const byKey = new Map(resultRows.map((r) => [rowKey(r.kind, r.customer), r]));
  const rows: CustomerTotals[] = [];
  const controllers: Controller[] = [];
  // by name, made once: a find per shown controller was quadratic (attack round 22 H4)
  const byName = new Map(register.controllers.map((c) => [c.controller, c]));
  for (const s of shown) {
    if (isGroupRow(s)) {
      for (const p of s.parts) {
        const r = byKey.get(rowKey(p.kind, p.customer));
        if (r) rows.push(r);
      }
      if (s.notify.kind === 'controller') {
        const c = byName.get(s.notify.controller);
        if (c) controllers.push(c);
      }
    } else rows.push(byKey.get(rowKey(s.kind, s.customer)) ?? s);
  }
  return { rows, register: registerOf(register, controllers) };
}
