/**
 * Every key of the UI in one table (as gemini-cli's keyBindings): the command, the keys that give it,
 * where it applies and what it does. The table drives the matching (the reducer asks commandFor), the
 * footer's hints and the `?` screen, so the three cannot disagree.
 */

/** A key press, independent of Ink (the App maps Ink's input to this). */
export interface KeyPress {
  input: string;
  up?: boolean;
  down?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  enter?: boolean;
  escape?: boolean;
  backspace?: boolean;
  tab?: boolean;
  ctrl?: boolean;
}

/**
 * Keys that reach the program in one read (typed fast, pasted, or sent by tmux send-keys in one go)
 * come as one string: "/acme\r" is five keys, not one unknown one. Split into single key presses
 * (Enter, Tab and Backspace among them); a chunk with an escape sequence or a named key is left whole.
 */
export function splitChunk(k: KeyPress): KeyPress[] {
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- a key is one code point (a terminal sends no grapheme clusters per key)
  const chars = [...k.input];
  const named = k.up || k.down || k.pageUp || k.pageDown || k.home || k.end || k.escape || k.ctrl;
  if (chars.length < 2 || named || k.input.includes('\x1b')) return [k];
  return chars.map((c): KeyPress =>
    c === '\r' || c === '\n'
      ? { input: '', enter: true }
      : c === '\t'
        ? { input: '', tab: true }
        : c === '\x7f' || c === '\b'
          ? { input: '', backspace: true }
          : c < '\x1b' && c > '\0'
            ? // a control key in the chunk (Ctrl-U then a path, sent by tmux in one read on a busy
              // machine): as Ink gives it alone, its letter with ctrl. It was a raw "\x15", not the
              // prompt's erase, and the path was typed after the default name (a flaky journey test)
              { input: String.fromCharCode(c.charCodeAt(0) + 96), ctrl: true }
            : { input: c },
  );
}

type Named = 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'enter' | 'escape' | 'backspace' | 'tab';
type KeySpec = { named: Named } | { char: string; ctrl?: boolean };

/** Where keys are read: browsing a view, or typing into the filter or the export prompt. */
export type KeyMode = 'table' | 'customer' | 'help' | 'filter' | 'export';

export type Command =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'open'
  | 'back'
  | 'sort'
  | 'reverse'
  | 'filter'
  | 'export'
  | 'help'
  | 'quit'
  | 'interrupt'
  | 'keep'
  | 'cancel'
  | 'erase'
  | 'clear'
  | 'scope';

export interface Binding {
  command: Command;
  keys: KeySpec[];
  /** the keys as the help shows them */
  label: string;
  description: string;
  modes: KeyMode[];
  /** the footer's short hint (left out of the footer when undefined) */
  hint?: string;
  /** where the hint is shown (default: everywhere the binding applies) */
  hintIn?: KeyMode[];
  /** help lines with the same group are shown as one line (the movement keys) */
  group?: string;
}

const BROWSE: KeyMode[] = ['table', 'customer', 'help'];
const EDIT: KeyMode[] = ['filter', 'export'];
const n = (named: Named): KeySpec => ({ named });
const c = (char: string, ctrl = false): KeySpec => ({ char, ctrl });

export const BINDINGS: readonly Binding[] = [
  {
    command: 'up',
    keys: [n('up')],
    label: '↑',
    description: 'move (in a customer or this help: scroll)',
    modes: BROWSE,
    hint: '↑↓ move',
    group: 'move',
  },
  { command: 'down', keys: [n('down')], label: '↓', description: '', modes: BROWSE, group: 'move' },
  { command: 'pageUp', keys: [n('pageUp')], label: 'PgUp', description: '', modes: BROWSE, group: 'move' },
  { command: 'pageDown', keys: [n('pageDown')], label: 'PgDn', description: '', modes: BROWSE, group: 'move' },
  { command: 'home', keys: [n('home')], label: 'Home', description: '', modes: BROWSE, group: 'move' },
  { command: 'end', keys: [n('end')], label: 'End', description: '', modes: BROWSE, group: 'move' },
  {
    command: 'open',
    keys: [n('enter')],
    label: 'Enter',
    description: 'open the highlighted customer',
    modes: ['table'],
    hint: 'Enter open',
  },
  {
    command: 'back',
    keys: [n('escape'), n('backspace')],
    label: 'Esc Backspace',
    description: 'back; in the table: clear the filter',
    modes: BROWSE,
    hint: 'Esc back',
    hintIn: ['customer', 'help'],
  },
  {
    command: 'sort',
    keys: [c('s')],
    label: 's',
    description: 'sort by the next column',
    modes: ['table'],
    hint: 's sort',
  },
  { command: 'reverse', keys: [c('r')], label: 'r', description: 'reverse the sort', modes: ['table'], hint: 'r rev' },
  {
    command: 'filter',
    keys: [c('/')],
    label: '/',
    description: 'a new name filter (Enter keeps it, Esc clears it)',
    modes: ['table'],
    hint: '/ filter',
  },
  {
    command: 'export',
    keys: [c('e')],
    label: 'e',
    description: 'export everything, the filtered rows or a customer',
    modes: ['table', 'customer'],
    hint: 'e export',
  },
  {
    command: 'help',
    keys: [c('?')],
    label: '?',
    description: 'keys and columns (this screen)',
    modes: BROWSE,
    hint: '? help',
  },
  {
    command: 'quit',
    keys: [c('q')],
    label: 'q',
    description: 'quit (asks while scanning or before an export)',
    modes: BROWSE,
    hint: 'q quit',
  },
  {
    command: 'interrupt',
    keys: [c('c', true)],
    label: 'Ctrl-C',
    description: 'stop the scan, keep counts (partial); again: quit',
    modes: [...BROWSE, ...EDIT],
  },
  {
    command: 'keep',
    keys: [n('enter')],
    label: 'Enter',
    description: 'keep the filter / write the export',
    modes: EDIT,
    hint: 'Enter ok',
  },
  {
    command: 'cancel',
    keys: [n('escape')],
    label: 'Esc',
    description: 'clear the filter / cancel the export',
    modes: EDIT,
    hint: 'Esc cancel',
  },
  { command: 'erase', keys: [n('backspace')], label: 'Backspace', description: 'erase a character', modes: EDIT },
  {
    command: 'clear',
    keys: [c('u', true)],
    label: 'Ctrl-U',
    description: 'erase the whole line',
    modes: EDIT,
    hint: 'Ctrl-U erase',
  },
  {
    command: 'scope',
    keys: [n('tab')],
    label: 'Tab',
    description: 'in the export: choose what to write',
    modes: ['export'],
    hint: 'Tab rows',
  },
];

function matches(spec: KeySpec, k: KeyPress): boolean {
  if ('named' in spec) return k[spec.named] === true;
  return k.input === spec.char && Boolean(k.ctrl) === Boolean(spec.ctrl);
}

/** The command a key gives where it is pressed, if any. */
export function commandFor(k: KeyPress, mode: KeyMode): Command | undefined {
  for (const b of BINDINGS) if (b.modes.includes(mode) && b.keys.some((s) => matches(s, k))) return b.command;
  return undefined;
}

/** The footer's hints for a mode, in table order. */
export function hintsFor(mode: KeyMode): string[] {
  const out: string[] = [];
  for (const b of BINDINGS) if (b.hint && (b.hintIn ?? b.modes).includes(mode)) out.push(b.hint);
  return out;
}

/** The help's key lines: [keys, what they do], groups joined. */
export function helpKeys(): [string, string][] {
  const out: [string, string][] = [];
  const groups = new Map<string, [string, string]>();
  for (const b of BINDINGS) {
    if (b.modes.every((m) => EDIT.includes(m)) && b.command !== 'scope') continue; // the prompts show their own keys
    if (b.group) {
      const g = groups.get(b.group);
      if (g) {
        g[0] += ` ${b.label}`;
        continue;
      }
      const line: [string, string] = [b.label, b.description];
      groups.set(b.group, line);
      out.push(line);
    } else out.push([b.label, b.description]);
  }
  return out;
}
