/*
 * Vorbis packets read as a decoder reads them, without making a sample. Vorbis has no checksum, so an
 * Ogg Vorbis stream was counted by its packets at half its long block each, whatever their bits: 1 MB
 * of junk packets counted 25,459 s where ffmpeg decodes 1,591 (attack round 19). This follows ffmpeg
 * 5.1's decoder (libavcodec/vorbisdec.c, the judge of every length here): the identification and
 * setup headers with its checks (a codebook's code lengths must make a complete prefix code, but for
 * a book of one entry; indexes in range; floor 1's X list without repeats …), then each audio packet:
 * its type bit, its mode, the floors (a codeword that is no code of its book refuses the packet; floor
 * 0's curve, made from its LSP vectors, must not vanish) and
 * the residues, partition by partition, as far as the decoder reads them (past the packet's end it
 * stops without refusing). A packet that decodes gives (this block + the last decoded block) / 4
 * samples, the first none; a packet whose first byte is 1 (and longer than 7 bytes) is taken by the
 * decoder as a new identification header, and no packet after it decodes until a setup header does.
 * No library reads Vorbis's bit layout without decoding it, so this is by hand; checked against ffmpeg
 * packet by packet (real packets, flipped bits, random ones).
 */

/** Bits read least significant first (Vorbis's order), as ffmpeg's checked reader: zeros past the end, the position stopping 8 bits past it. */
class Reader {
  pos = 0;
  readonly size: number;
  constructor(private readonly b: Buffer) {
    this.size = b.length * 8;
  }
  left(): number {
    return this.size - this.pos;
  }
  /** n bits (at most 16) without moving */
  peek(n: number): number {
    const i = this.pos >> 3;
    const byte = (k: number): number => (i + k < this.b.length ? this.b[i + k]! : 0);
    return ((byte(0) | (byte(1) << 8) | (byte(2) << 16)) >>> (this.pos & 7)) & ((1 << n) - 1);
  }
  skip(n: number): void {
    this.pos = Math.min(this.pos + n, this.size + 8);
  }
  read(n: number): number {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const at = this.pos + k;
      if (at < this.size && (this.b[at >> 3]! >> (at & 7)) & 1) v += 2 ** k;
    }
    this.pos = Math.min(this.pos + n, this.size + 8);
    return v;
  }
}

const ilog = (v: number): number => (v <= 0 ? 0 : 32 - Math.clz32(v));

/** A codebook: its codes (for reading) and whether it has vectors (lookup type 1). */
interface Book {
  dimensions: number;
  vectors: boolean;
  /** code lengths of the entries a code reads to (lookup 1: the used ones only, in order) */
  lengths: Uint8Array;
  longest: number;
  /** built on first use: the entry and length (entry × 64 + length) of the code in each PEEK bits, -1 where no code is that short */
  table?: Int32Array;
  /** and the longer codes: key length × 2^32 + code */
  codes?: Map<number, number>;
  /** lookup type 1: where its multiplicands are, to make a vector when floor 0 reads one */
  vq?: Lookup;
}

/** A lookup-1 book's vectors, as ffmpeg makes them from the setup header (made on first use, by floor 0 only). */
interface Lookup {
  /** the setup header, and the bit its multiplicands start at */
  setup: Buffer;
  at: number;
  bits: number;
  min: number;
  delta: number;
  sequence: boolean;
  values: number;
  /** each used entry's index among all entries (its vector is made from that index) */
  entries: Uint32Array;
  made: Map<number, Float32Array>;
}

/** Bits looked up at once. */
const PEEK = 12;

interface Floor1 {
  type: 1;
  partitions: number[];
  dims: number[];
  subclasses: number[];
  masterbooks: number[];
  subbooks: number[][];
  range: number;
}

interface Residue {
  type: number;
  begin: number;
  end: number;
  size: number;
  classifications: number;
  classbook: number;
  books: number[][];
  maxpass: number;
  ptns: number;
}

interface Mapping {
  submaps: number;
  magnitude: number[];
  angle: number[];
  mux: number[];
  floors: number[];
  residues: number[];
}

/** Floor 0 (an LSP curve), as the decoder reads it from the setup. */
interface Floor0 {
  type: 0;
  order: number;
  amplitudeBits: number;
  books: number[];
  /** per block size (short, long): 2 cos w at each distinct value of the bark map, in order */
  curve: [Float32Array, Float32Array];
  /** curves already judged, by their LSP values: whether the decoder refuses them */
  judged: Map<string, boolean>;
}

/** What the headers set up: all a packet is read against. */
export interface VorbisSetup {
  channels: number;
  blocksize: [number, number];
  books: Book[];
  floors: (Floor1 | Floor0)[];
  residues: Residue[];
  mappings: Mapping[];
  modes: { blockflag: number; mapping: number }[];
  /** a residue book that some bits are no code of (one entry or none): only then are residues read bit by bit */
  residueCanFail: boolean;
}

interface Id {
  channels: number;
  blocksize: [number, number];
}

/** The identification header (after its type byte), or why a decoder refuses it. */
function idHeader(p: Buffer): Id | string {
  if (p.length < 30 || p.toString('latin1', 1, 7) !== 'vorbis') return 'not a Vorbis identification header';
  const channels = p[11]!;
  const rate = p.readUInt32LE(12);
  const bl0 = p[28]! & 15;
  const bl1 = p[28]! >> 4;
  if (!channels) return 'Vorbis: no channels';
  if (!rate) return 'Vorbis: no sample rate';
  if (bl0 > 13 || bl0 < 6 || bl1 > 13 || bl1 < 6 || bl1 < bl0) return 'Vorbis: illegal block sizes';
  if (!(p[29]! & 1)) return 'Vorbis identification header: no framing bit';
  return { channels, blocksize: [1 << bl0, 1 << bl1] };
}

/** ffmpeg's ff_vorbis_len2vlc: lengths that make a complete prefix code (one entry alone may have any), else false. */
function complete(lengths: Uint8Array): boolean {
  const exits = new Array<number>(33).fill(0);
  let p = 0;
  while (p < lengths.length && lengths[p] === 0) p++;
  if (p === lengths.length) return true;
  if (lengths[p]! > 32) return false;
  for (let i = 0; i < lengths[p]!; i++) exits[i + 1] = 2 ** i;
  p++;
  let q = p;
  while (q < lengths.length && lengths[q] === 0) q++;
  if (q === lengths.length) return true;
  for (; p < lengths.length; p++) {
    const len = lengths[p]!;
    if (len > 32) return false;
    if (!len) continue;
    let i = len;
    while (i > 0 && !exits[i]) i--;
    if (!i) return false; // overspecified
    const code = exits[i]!;
    exits[i] = 0;
    for (let j = i + 1; j <= len; j++) exits[j] = code + 2 ** (j - 1);
  }
  for (let i = 1; i < 33; i++) if (exits[i]) return false; // underspecified
  return true;
}

/** The codes of a book (ffmpeg's assignment: the first entry all zeros, each next one at the lowest free node). */
function codesOf(book: Book): void {
  const exits = new Array<number>(33).fill(0);
  const map = new Map<number, number>();
  const table = new Int32Array(1 << PEEK).fill(-1);
  const add = (len: number, code: number, entry: number): void => {
    if (len > PEEK) map.set(len * 2 ** 32 + code, entry);
    else for (let i = code; i < 1 << PEEK; i += 1 << len) table[i] = entry * 64 + len;
  };
  const lengths = book.lengths;
  let first = true;
  for (let p = 0; p < lengths.length; p++) {
    const len = lengths[p]!;
    if (!len) continue;
    if (first) {
      for (let i = 0; i < len; i++) exits[i + 1] = 2 ** i;
      add(len, 0, p);
      first = false;
      continue;
    }
    let i = len;
    while (i > 0 && !exits[i]) i--;
    const code = exits[i]!;
    exits[i] = 0;
    for (let j = i + 1; j <= len; j++) exits[j] = code + 2 ** (j - 1);
    add(len, code, p);
  }
  book.table = table;
  book.codes = map;
}

/** A codeword of the book: its entry, or -1 where the bits are no code of it (ffmpeg's get_vlc2). */
function codeword(r: Reader, book: Book): number {
  if (!book.table) codesOf(book);
  const start = r.pos;
  let v = r.peek(PEEK);
  const e = book.table![v]!;
  if (e >= 0) {
    r.skip(e & 63);
    return e >> 6;
  }
  r.skip(PEEK);
  for (let len = PEEK + 1; len <= book.longest; len++) {
    v += r.read(1) * 2 ** (len - 1);
    const e = book.codes!.get(len * 2 ** 32 + v);
    if (e !== undefined) return e;
  }
  // no code (a book of one entry, or none): ffmpeg's get_vlc2 keeps the bits of each table level it
  // passed (8 bits a level, 11 where the longest code is over 24) before the empty entry, and a
  // one-entry code is all zeros. It matters where the -1 is not checked (floor 1's masterbook, the
  // libvorbis_bug read): 102 of 270 packets disagreed with ffmpeg in such setups, none now
  r.pos = start;
  const nb = book.longest > 24 ? 11 : 8;
  if (book.longest > nb && r.peek(nb) === 0) {
    r.skip(nb);
    if (book.longest > 2 * nb && r.peek(nb) === 0) r.skip(nb);
  }
  return -1;
}

/** The setup header (after its type byte) against the identification header's, or why a decoder refuses it. */
function setupHeader(p: Buffer, id: Id): VorbisSetup | string {
  const r = new Reader(p);
  for (const c of 'vorbis') if (r.read(8) !== c.charCodeAt(0)) return 'not a Vorbis setup header';
  const books: Book[] = [];
  const nbooks = r.read(8) + 1;
  for (let cb = 0; cb < nbooks; cb++) {
    if (r.read(24) !== 0x564342) return `Vorbis codebook ${cb}: no sync`;
    const dimensions = r.read(16);
    if (dimensions > 16 || dimensions === 0) return `Vorbis codebook ${cb}: ${dimensions} dimensions`;
    const entries = r.read(24);
    if (entries > 1 << 16) return `Vorbis codebook ${cb}: ${entries} entries`;
    let lengths = new Uint8Array(entries);
    let used = 0;
    if (!r.read(1)) {
      const sparse = r.read(1);
      for (let e = 0; e < entries; e++) {
        if (!sparse || r.read(1)) {
          lengths[e] = r.read(5) + 1;
          used++;
        }
      }
    } else {
      let current = 0;
      for (let len = r.read(5) + 1; current < entries && len <= 32; len++) {
        const n = r.read(ilog(entries - current));
        for (let e = current; e < current + n && e < entries; e++) lengths[e] = len;
        current += n;
      }
      if (current > entries) return `Vorbis codebook ${cb}: more code lengths than codes`;
      used = entries;
    }
    const lookup = r.read(4);
    let vq: Lookup | undefined;
    if (lookup === 1) {
      // the multiplicands are skipped; vectors exist for the used entries, and codes read to their index
      let values = 0;
      for (;;) {
        const next = values + 1;
        if (next ** dimensions > entries) break;
        values = next;
      }
      const min = r.read(32);
      const delta = r.read(32);
      if (!finite(min) || !finite(delta)) return `Vorbis codebook ${cb}: values not finite`;
      const bits = r.read(4) + 1;
      const sequence = r.read(1) === 1;
      vq = {
        setup: p,
        at: r.pos,
        bits,
        min: vorbisFloat(min),
        delta: vorbisFloat(delta),
        sequence,
        values,
        entries: usedEntries(lengths),
        made: new Map(),
      };
      for (let i = 0; i < values; i++) r.read(bits);
      lengths = lengths.filter((x) => x > 0);
    } else if (lookup >= 2) return `Vorbis codebook ${cb}: lookup type ${lookup}`;
    if (!complete(lengths)) return `Vorbis codebook ${cb}: code lengths that are no prefix code`;
    books.push({ dimensions, vectors: lookup === 1 && used > 0, lengths, longest: Math.max(0, ...lengths), vq });
  }
  const transforms = r.read(6) + 1;
  for (let i = 0; i < transforms; i++) if (r.read(16)) return 'Vorbis: time domain transform data';
  const floors: (Floor1 | Floor0)[] = [];
  const nfloors = r.read(6) + 1;
  for (let i = 0; i < nfloors; i++) {
    const type = r.read(16);
    if (type === 1) {
      const partitions = Array.from({ length: r.read(5) }, () => r.read(4));
      const classes = partitions.length ? Math.max(...partitions) + 1 : 0;
      const dims: number[] = [];
      const subclasses: number[] = [];
      const masterbooks: number[] = [];
      const subbooks: number[][] = [];
      for (let j = 0; j < classes; j++) {
        dims.push(r.read(3) + 1);
        subclasses.push(r.read(2));
        masterbooks.push(subclasses[j] ? r.read(8) : 0);
        if (subclasses[j] && masterbooks[j]! >= nbooks) return 'Vorbis floor: a masterbook out of range';
        const sub: number[] = [];
        for (let k = 0; k < 1 << subclasses[j]!; k++) {
          const b = r.read(8) - 1;
          if (b !== -1 && b >= nbooks) return 'Vorbis floor: a book out of range';
          sub.push(b);
        }
        subbooks.push(sub);
      }
      const multiplier = r.read(2) + 1;
      const rangebits = r.read(4);
      if (!rangebits && partitions.length) return 'Vorbis floor: range bits of 0';
      if (1 << rangebits > id.blocksize[1] / 2) return 'Vorbis floor: a range over the block';
      const xs = [0, 1 << rangebits];
      for (const c of partitions) for (let k = 0; k < dims[c]!; k++) xs.push(r.read(rangebits));
      if (new Set(xs).size !== xs.length) return 'Vorbis floor: repeated X values';
      floors.push({
        type: 1,
        partitions,
        dims,
        subclasses,
        masterbooks,
        subbooks,
        range: [256, 128, 86, 64][multiplier - 1]!,
      });
    } else if (type === 0) {
      const order = r.read(8);
      const rate = r.read(16);
      const bark = r.read(16);
      if (!order || !rate || !bark) return 'Vorbis floor 0: an order, rate or bark map size of 0';
      const amplitudeBits = r.read(6);
      r.read(8);
      const fb: number[] = [];
      for (let k = r.read(4) + 1; k > 0; k--) {
        fb.push(r.read(8));
        if (fb[fb.length - 1]! >= nbooks) return 'Vorbis floor 0: a book out of range';
      }
      const curve: [Float32Array, Float32Array] = [
        floor0Curve(rate, bark, id.blocksize[0]),
        floor0Curve(rate, bark, id.blocksize[1]),
      ];
      floors.push({ type: 0, order, amplitudeBits, books: fb, curve, judged: new Map() });
    } else return `Vorbis: floor type ${type}`;
  }
  const residues: Residue[] = [];
  const nres = r.read(6) + 1;
  for (let i = 0; i < nres; i++) {
    const type = r.read(16);
    const begin = r.read(24);
    const end = r.read(24);
    const size = r.read(24) + 1;
    if (begin > end || Math.floor((end - begin) / size) > 65535) return 'Vorbis residue: partitions out of bounds';
    const classifications = r.read(6) + 1;
    const classbook = r.read(8);
    if (classbook >= nbooks) return 'Vorbis residue: a classbook out of range';
    const cascade: number[] = [];
    for (let j = 0; j < classifications; j++) {
      const low = r.read(3);
      cascade.push((r.read(1) ? r.read(5) : 0) * 8 + low);
    }
    let maxpass = 0;
    const books: number[][] = [];
    for (let j = 0; j < classifications; j++) {
      const row: number[] = [];
      for (let k = 0; k < 8; k++) {
        if (cascade[j]! & (1 << k)) {
          const b = r.read(8);
          if (b >= nbooks) return 'Vorbis residue: a book out of range';
          row.push(b);
          maxpass = Math.max(maxpass, k);
        } else row.push(-1);
      }
      books.push(row);
    }
    residues.push({
      type,
      begin,
      end,
      size,
      classifications,
      classbook,
      books,
      maxpass,
      ptns: Math.floor((end - begin) / size),
    });
  }
  const mappings: Mapping[] = [];
  const nmaps = r.read(6) + 1;
  for (let i = 0; i < nmaps; i++) {
    if (r.read(16)) return 'Vorbis: mapping type other than 0';
    const submaps = r.read(1) ? r.read(4) + 1 : 1;
    const magnitude: number[] = [];
    const angle: number[] = [];
    if (r.read(1)) {
      const steps = r.read(8) + 1;
      if (id.channels < 2) return 'Vorbis: channel coupling with one channel';
      const bits = ilog(id.channels - 1);
      for (let j = 0; j < steps; j++) {
        magnitude.push(r.read(bits));
        if (magnitude[j]! >= id.channels) return 'Vorbis: a coupled channel out of range';
        angle.push(r.read(bits));
        if (angle[j]! >= id.channels) return 'Vorbis: a coupled channel out of range';
      }
    }
    if (r.read(2)) return 'Vorbis: mapping reserved bits set';
    const mux = submaps > 1 ? Array.from({ length: id.channels }, () => r.read(4)) : [];
    const fl: number[] = [];
    const rs: number[] = [];
    for (let j = 0; j < submaps; j++) {
      r.read(8);
      fl.push(r.read(8));
      if (fl[j]! >= floors.length) return 'Vorbis: a mapping floor out of range';
      rs.push(r.read(8));
      if (rs[j]! >= residues.length) return 'Vorbis: a mapping residue out of range';
    }
    mappings.push({ submaps, magnitude, angle, mux, floors: fl, residues: rs });
  }
  const modes: { blockflag: number; mapping: number }[] = [];
  const nmodes = r.read(6) + 1;
  for (let i = 0; i < nmodes; i++) {
    const blockflag = r.read(1);
    r.read(32);
    const mapping = r.read(8);
    if (mapping >= mappings.length) return 'Vorbis: a mode mapping out of range';
    modes.push({ blockflag, mapping });
  }
  if (!r.read(1)) return 'Vorbis setup header: no framing bit';
  // a complete prefix code (two entries or more) reads any bits: only a book of one entry, or none, refuses some
  const sure = (b: number): boolean => books[b]!.lengths.filter((x) => x > 0).length > 1;
  const residueCanFail = residues.some(
    (res) => !sure(res.classbook) || res.books.some((row) => row.some((b) => b >= 0 && books[b]!.vectors && !sure(b))),
  );
  return {
    channels: id.channels,
    blocksize: id.blocksize,
    books,
    floors,
    residues,
    mappings,
    modes,
    residueCanFail,
  };
}

/** A Vorbis float as ffmpeg makes it (vorbisfloat2float): a 21-bit mantissa, its sign, × 2^(exp − 788), as a 32-bit float. */
function vorbisFloat(v: number): number {
  const mant = v % 2 ** 21;
  const exp = Math.floor(v / 2 ** 21) % 1024;
  return Math.fround((v >= 2 ** 31 ? -mant : mant) * 2 ** (exp - 788));
}

/** The indexes of a book's used entries (a code length over 0). */
function usedEntries(lengths: Uint8Array): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < lengths.length; i++) if (lengths[i]) out.push(i);
  return Uint32Array.from(out);
}

/** Whether a Vorbis float, as ffmpeg makes it (a 32-bit float of 21-bit mantissa × 2^(exp − 788)), is finite. */
function finite(v: number): boolean {
  const exp = Math.floor(v / 2 ** 21) % 1024;
  return (v % 2 ** 21) * 2 ** (exp - 788) < 2 ** 128;
}

/** Floor 1 of one channel: 1 unused, 0 used, -1 refused. */
function floor1(r: Reader, f: Floor1, books: Book[]): number {
  if (!r.read(1)) return 1;
  const bits = ilog(f.range - 1);
  r.read(bits);
  r.read(bits);
  for (const c of f.partitions) {
    const cbits = f.subclasses[c]!;
    const csub = (1 << cbits) - 1;
    // the masterbook's codeword is not checked by the decoder: no code reads as all ones
    let cval = cbits ? codeword(r, books[f.masterbooks[c]!]!) : 0;
    if (cval < 0) cval = 0xffffffff;
    for (let j = 0; j < f.dims[c]!; j++) {
      const book = f.subbooks[c]![cval & csub]!;
      cval = cval >>> cbits;
      if (book > -1 && codeword(r, books[book]!) < 0) return -1;
    }
  }
  return 0;
}

/** ffmpeg's BARK(x): its float constants, its atan in double. */
function bark(x: number): number {
  const f = Math.fround;
  return 13.1 * Math.atan(f(f(0.00074) * x)) + f(2.24) * Math.atan(f(f(f(1.85e-8) * x) * x)) + f(f(1e-4) * x);
}

/**
 * Floor 0's curve for a block of n × 2 samples, as ffmpeg's create_map makes its bark map (each of n
 * lines mapped to a bark value under the map size) and its synthesis walks it: once for each run of
 * equal values, at 2 cos(w) of that value (w = π / map size × value), in 32-bit floats.
 */
function floor0Curve(rate: number, barkSize: number, blocksize: number): Float32Array {
  const f = Math.fround;
  const n = blocksize / 2;
  const top = bark(f(rate / f(2)));
  const wstep = f(Math.PI / barkSize);
  const out: number[] = [];
  let last = -1;
  for (let i = 0; i < n; i++) {
    const v = Math.min(Math.floor(bark(f((rate * i) / f(2 * n))) * (barkSize / top)), barkSize - 1);
    if (i > 0 && v === last) continue;
    last = v;
    out.push(f(2 * Math.cos(f(wstep * v))));
  }
  return Float32Array.from(out);
}

/** The vector of a lookup-1 book's used entry e, as ffmpeg makes it (32-bit floats; each value added to the last in a sequence book). */
function codevector(book: Book, e: number): Float32Array {
  const vq = book.vq!;
  const made = vq.made.get(e);
  if (made) return made;
  const f = Math.fround;
  const out = new Float32Array(book.dimensions);
  const r = new Reader(vq.setup);
  let offset = vq.entries[e]!;
  let last = 0;
  for (let k = 0; k < book.dimensions; k++) {
    r.pos = vq.at + (offset % vq.values) * vq.bits;
    out[k] = f(f(f(r.read(vq.bits) * vq.delta) + vq.min) + last);
    if (vq.sequence) last = out[k]!;
    offset = Math.floor(offset / vq.values);
  }
  if (vq.made.size < 65536) vq.made.set(e, out);
  return out;
}

/**
 * Floor 0 of one channel, as ffmpeg's vorbis_floor0_decode reads it: 1 unused (no amplitude bits, or
 * an amplitude of 0), 0 used, -1 refused. A book number past the floor's books is taken as its first
 * (ffmpeg logs "booknumber too high" and reads on); the book must have vectors, each codeword must be
 * a code of it, and the curve its LSP values make must not be 0 at any point (p + q == 0). Not read,
 * every packet of a floor-0 stream counted half a long block: 1 MB of packets ffmpeg refuses counted
 * 25,000 s (round 22 C3).
 */
function floor0(r: Reader, f: Floor0, books: Book[], blockflag: number, work: (n?: number) => void): number {
  if (!f.amplitudeBits) return 1;
  if (!r.read(f.amplitudeBits)) return 1;
  let index = r.read(ilog(f.books.length));
  if (index >= f.books.length) index = 0;
  const book = books[f.books[index]!]!;
  if (!book.vq || !book.vectors) return -1;
  const lsp: number[] = [];
  let last = 0;
  while (lsp.length < f.order) {
    const e = codeword(r, book);
    if (e < 0) return -1;
    for (const v of codevector(book, e)) lsp.push(Math.fround(v + last));
    last = lsp[lsp.length - 1]!;
  }
  lsp.length = f.order;
  const key = `${blockflag}:${lsp.join(',')}`;
  let refused = f.judged.get(key);
  if (refused === undefined) {
    // its cost charged: a step for each 2 products (a forged curve of 4,096 points and order 255
    // costs half a million a packet: 600 KB of such packets took 4 s, charged a step for 16)
    work(1 + ((f.curve[blockflag]!.length * f.order) >> 2));
    refused = curveVanishes(
      f.curve[blockflag]!,
      lsp.map((v) => Math.fround(2 * Math.cos(v))),
    );
    if (f.judged.size < 4096) f.judged.set(key, refused);
  }
  return refused ? -1 : 0;
}

/**
 * Whether ffmpeg's floor 0 synthesis meets p + q == 0 at some point of the curve (32-bit floats, as it
 * computes them). Both end up squares (or NaN), so only where q is 0 is p worked out.
 */
function curveVanishes(curve: Float32Array, lsp: number[]): boolean {
  const f = Math.fround;
  const order = lsp.length;
  const even = (order & 1) === 0;
  for (const w of curve) {
    let q = 0.5;
    let j = 0;
    for (; j + 1 < order; j += 2) q = f(q * f(lsp[j]! - w));
    q = even ? f(q * f(q * f(2 + w))) : f(f(q * f(w - lsp[j]!)) * f(q * f(w - lsp[j]!)));
    if (q !== 0) continue;
    let p = 0.5;
    for (j = 0; j + 1 < order; j += 2) p = f(p * f(lsp[j + 1]! - w));
    p = even ? f(p * f(p * f(2 - w))) : f(p * f(p * f(4 - f(w * w))));
    if (f(p + q) === 0) return true;
  }
  return false;
}

/** One residue of a submap's channels: false where the decoder refuses it. */
function residue(
  r: Reader,
  s: VorbisSetup,
  res: Residue,
  ch: number,
  skip: boolean[],
  vlen: number,
  left: number,
  work: (n?: number) => void,
): boolean {
  if (res.type > 2) return false;
  const classbook = s.books[res.classbook]!;
  const cpc = classbook.dimensions;
  let used = ch;
  let max = (ch - 1) * vlen;
  if (res.type === 2) {
    if (skip.every((x) => x)) return true;
    used = 1;
    skip = [false];
    max += Math.floor(res.end / ch);
  } else max += res.end;
  let ptns = res.ptns;
  let bug = false;
  if (max > left * vlen) {
    if (max <= left * vlen + Math.floor((res.size * used) / ch)) {
      ptns--;
      bug = true;
    } else return false;
  }
  // no bits of them can refuse the packet, and nothing is read after them
  if (!s.residueCanFail) return true;
  const classifs = new Int32Array(Math.max(0, ptns) * used);
  for (let pass = 0; pass <= res.maxpass; pass++) {
    for (let part = 0; part < ptns;) {
      // Past the packet's end every bit reads as 0, which is a code (the first) of any book with an
      // entry: every read from here succeeds, and the decoder keeps the packet. Read on, a setup of
      // huge partitions took seconds a packet (attack round 21: 27.8 KB in 7.1 s)
      if (r.left() < 0) return classbook.longest > 0;
      if (!pass) {
        for (let j = 0; j < used; j++) {
          if (skip[j]) continue;
          let temp = codeword(r, classbook);
          if (temp < 0) return false;
          for (let i = part + cpc - 1; i >= part; i--) {
            const next = res.classifications === 1 ? 0 : Math.floor(temp / res.classifications);
            if (i < ptns) classifs[j * ptns + i] = res.classifications === 1 ? 0 : temp - next * res.classifications;
            temp = next;
          }
        }
      }
      for (let i = 0; i < cpc && part < ptns; i++, part++) {
        work();
        for (let j = 0; j < used; j++) {
          if (skip[j]) continue;
          const vq = res.books[classifs[j * ptns + part]!]![pass]!;
          const book = vq >= 0 ? s.books[vq]! : undefined;
          if (!book?.vectors) continue;
          // past the packet's end the decoder stops reading, and keeps the packet
          if (r.left() < 0) return true;
          const step = Math.floor(res.size / book.dimensions);
          for (let k = 0; k < step; k++) {
            if (!(k & 63)) work();
            if (r.left() < 0) return true;
            if (codeword(r, book) < 0) return false;
          }
        }
      }
    }
    if (bug && !pass) for (let j = 0; j < used; j++) if (!skip[j]) codeword(r, classbook);
  }
  return true;
}

/** The decoder's state from packet to packet. */
export class VorbisPackets {
  private setup: VorbisSetup | undefined;
  /** a new identification header was met: its setup is awaited */
  private id: Id | undefined;
  /** the last decoded block's flag, -1 before the first */
  private previous = -1;
  private first = true;
  /** packets seen: an odd first byte in the first after the headers is a header to the demuxer, which refuses the stream */
  private seen = 0;
  private dead = false;
  constructor(
    setup: VorbisSetup,
    private readonly work: (n?: number) => void = () => {},
  ) {
    this.setup = setup;
  }

  /** The samples a decoder makes of the next packet. */
  samples(p: Buffer): number {
    if (!this.seen++ && p.length && p[0]! & 1) this.dead = true;
    if (this.dead || !p.length) return 0;
    if (p[0] === 1 && p.length > 7) {
      // a new identification header: the decoder drops its setup
      const id = idHeader(p);
      this.setup = undefined;
      this.id = typeof id === 'string' ? undefined : id;
      this.previous = -1;
      return 0;
    }
    if (p[0] === 3 && p.length > 7) return 0;
    if (p[0] === 5 && p.length > 7 && this.id && !this.setup) {
      const s = setupHeader(p.subarray(1), this.id);
      // one the decoder refuses frees its identification too: no later setup is taken
      if (typeof s !== 'string') this.setup = s;
      else this.id = undefined;
      return 0;
    }
    const s = this.setup;
    if (!s) return 0;
    const len = this.audio(p, s);
    if (len <= 0) return 0;
    if (this.first) {
      this.first = false;
      return 0;
    }
    return len;
  }

  private audio(p: Buffer, s: VorbisSetup): number {
    const r = new Reader(p);
    if (r.read(1)) return 0;
    const mode = s.modes.length === 1 ? 0 : r.read(ilog(s.modes.length - 1));
    if (mode >= s.modes.length) return 0;
    const { blockflag, mapping: m } = s.modes[mode]!;
    const map = s.mappings[m]!;
    const blocksize = s.blocksize[blockflag]!;
    const vlen = blocksize / 2;
    let previous = this.previous;
    if (blockflag) {
      const code = r.read(2);
      if (previous < 0) previous = code >> 1;
    } else if (previous < 0) previous = 0;
    const none: boolean[] = [];
    for (let i = 0; i < s.channels; i++) {
      const f = s.floors[map.submaps > 1 ? map.floors[map.mux[i]!]! : map.floors[0]!];
      const got = f!.type === 1 ? floor1(r, f!, s.books) : floor0(r, f!, s.books, blockflag, this.work);
      if (got < 0) return 0;
      none.push(got === 1);
    }
    for (let i = map.magnitude.length - 1; i >= 0; i--) {
      if (!(none[map.magnitude[i]!]! && none[map.angle[i]!]!)) none[map.magnitude[i]!] = none[map.angle[i]!] = false;
    }
    let left = s.channels;
    for (let i = 0; i < map.submaps; i++) {
      const skip: boolean[] = [];
      for (let j = 0; j < s.channels; j++) if (map.submaps === 1 || i === map.mux[j]) skip.push(none[j]!);
      if (left < skip.length) return 0;
      if (skip.length && !residue(r, s, s.residues[map.residues[i]!]!, skip.length, skip, vlen, left, this.work))
        return 0;
      left -= skip.length;
    }
    if (left > 0) return 0;
    this.previous = blockflag;
    return (blocksize + s.blocksize[previous]!) / 4;
  }
}

/** The decoder's setup from the stream's first and third packets, or why it refuses them. */
export function vorbisSetup(idPacket: Buffer, setupPacket: Buffer): VorbisSetup | string {
  const id = idHeader(idPacket);
  if (typeof id === 'string') return id;
  if (setupPacket[0] !== 5) return 'the third Vorbis header is not the setup header';
  return setupHeader(setupPacket.subarray(1), id);
}

/**
 * The three headers of a Vorbis CodecPrivate (Matroska), split as ffmpeg's decoder splits its
 * extradata (avpriv_split_xiph_headers): three lengths of 16 bits each before its header, the first
 * 30, or Xiph lacing (a 2, then the first two lengths in bytes of 255 and one under it, the third
 * the rest). Undefined where it refuses them.
 */
function xiphHeaders(x: Buffer): [Buffer, Buffer, Buffer] | undefined {
  if (x.length >= 6 && x.readUInt16BE(0) === 30) {
    const out: Buffer[] = [];
    for (let i = 0, p = 0; i < 3; i++) {
      if (p + 2 > x.length) return undefined;
      const len = x.readUInt16BE(p);
      if (p + 2 + len > x.length) return undefined;
      out.push(x.subarray(p + 2, p + 2 + len));
      p += 2 + len;
    }
    return [out[0]!, out[1]!, out[2]!];
  }
  if (x.length < 3 || x[0] !== 2) return undefined;
  const lens: number[] = [];
  let p = 1;
  let total = 3;
  for (let i = 0; i < 2; i++, p++) {
    let len = 0;
    for (; total < x.length && x[p] === 0xff; p++) {
      len += 255;
      total += 256;
    }
    len += x[p] ?? 0;
    total += x[p] ?? 0;
    if (total > x.length) return undefined;
    lens.push(len);
  }
  const a = x.subarray(p, p + lens[0]!);
  const b = x.subarray(p + lens[0]!, p + lens[0]! + lens[1]!);
  return [a, b, x.subarray(p + lens[0]! + lens[1]!)];
}

/**
 * A Matroska Vorbis track's setup from its CodecPrivate, or why ffmpeg's decoder refuses it (none of
 * the track decodes then): its blocks are then read as the Ogg reader reads its packets. Counted at
 * half the long block each, unread, 1 MB of 16-byte blocks no decoder takes counted 6.4 h (round 22 C4).
 */
export function vorbisPrivate(x: Buffer): VorbisSetup | string {
  const h = xiphHeaders(x);
  if (!h) return 'a Vorbis CodecPrivate that is not three Xiph-laced headers';
  if (h[0][0] !== 1) return 'the first Vorbis header is not the identification header';
  return vorbisSetup(h[0], h[2]);
}
