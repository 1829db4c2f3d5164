/**
 * A small ISO 9660 writer for config drives, in memory: no temp files (the content is userData),
 * no child process. It writes what `genisoimage -l -allow-lowercase -allow-multidot -J -r` wrote
 * for openstacksdk's configdrive: a primary tree with long lowercase names (`meta_data.json;1`,
 * `2012_08_10`), Rock Ridge (SP, RR, NM, PX, TF; ER in a continuation area, so Linux prefers the
 * Rock Ridge names) and a Joliet tree (UCS-2 names), files readable by all (`-r`).
 */

const SECTOR = 2048;
/** Sectors of zeros after the data, as genisoimage pads (CD read-ahead). */
const PADDING_SECTORS = 150;
/** The primary tree's names as genisoimage -l writes them: at most 31 characters. */
export const MAX_ISO_NAME_LENGTH = 31;
/** Joliet names: at most 64 UCS-2 characters. */
const MAX_JOLIET_NAME_LENGTH = 64;

export interface IsoFile {
  /** `a/b/c` relative to the root; directories are implied. */
  path: string;
  data: Buffer;
}

export interface IsoOptions {
  volumeId: string;
  publisher?: string;
  /** Recorded as every file's time (default: now). */
  date?: Date;
}

interface Dir {
  name: string;
  parent?: Dir;
  dirs: Dir[];
  files: Array<{ name: string; data: Buffer; location: number }>;
  number: number;
  location: number;
  size: number;
  jolietLocation: number;
  jolietSize: number;
}

const both16 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(n, 0);
  b.writeUInt16BE(n, 2);
  return b;
};
const both32 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(n, 0);
  b.writeUInt32BE(n, 4);
  return b;
};
const sectorsFor = (bytes: number): number => Math.ceil(bytes / SECTOR);
const ucs2 = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();

function padded(s: string, length: number, joliet = false): Buffer {
  if (!joliet) return Buffer.from(s.slice(0, length).padEnd(length, ' '), 'ascii');
  return ucs2(s.slice(0, length / 2).padEnd(length / 2, ' '));
}

/** Primary-tree name as genisoimage -l -allow-lowercase -allow-multidot maps it. */
function primaryName(name: string, isDir: boolean): string {
  const mapped = name.replace(/[^A-Za-z0-9_.]/g, '_');
  if (mapped.length > MAX_ISO_NAME_LENGTH) throw new Error(`ISO 9660 name too long: ${name}`);
  return isDir ? mapped : `${mapped.includes('.') ? mapped : `${mapped}.`};1`;
}

function recordingDate(d: Date): Buffer {
  return Buffer.from([d.getUTCFullYear() - 1900, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0]);
}

function volumeDate(d: Date | undefined): Buffer {
  if (!d) return Buffer.concat([Buffer.from('0'.repeat(16), 'ascii'), Buffer.from([0])]);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const text = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}00`;
  return Buffer.concat([Buffer.from(text, 'ascii'), Buffer.from([0])]);
}

// ---- Rock Ridge (SUSP entries in the directory records' system use area)
const entry = (sig: string, body: Buffer): Buffer => Buffer.concat([Buffer.from(sig, 'ascii'), Buffer.from([body.length + 4, 1]), body]);
const RR_PX = 0x01;
const RR_NM = 0x08;
const RR_TF = 0x80;
const ER_ID = 'RRIP_1991A';
const ER_DESCRIPTOR = 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS';
const ER_SOURCE = 'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.';

function extensionReference(): Buffer {
  return entry('ER', Buffer.concat([Buffer.from([ER_ID.length, ER_DESCRIPTOR.length, ER_SOURCE.length, 1]), Buffer.from(ER_ID + ER_DESCRIPTOR + ER_SOURCE, 'ascii')]));
}

function rockRidge(opts: { name?: string; isDir: boolean; links: number; date: Date; root?: { continuation: number } }): Buffer {
  const parts: Buffer[] = [];
  if (opts.root) parts.push(entry('SP', Buffer.from([0xbe, 0xef, 0])));
  parts.push(entry('RR', Buffer.from([RR_PX | RR_TF | (opts.name ? RR_NM : 0)])));
  if (opts.name) parts.push(entry('NM', Buffer.concat([Buffer.from([0]), Buffer.from(opts.name, 'utf8')])));
  // `-r`: directories r-x and files r-- for everyone, owned by root.
  parts.push(entry('PX', Buffer.concat([both32(opts.isDir ? 0o40555 : 0o100444), both32(opts.links), both32(0), both32(0)])));
  const t = recordingDate(opts.date);
  parts.push(entry('TF', Buffer.concat([Buffer.from([0x0e]), t, t, t])));
  if (opts.root) parts.push(entry('CE', Buffer.concat([both32(opts.root.continuation), both32(0), both32(extensionReference().length)])));
  return Buffer.concat(parts);
}

function directoryRecord(id: Buffer, location: number, size: number, isDir: boolean, date: Date, systemUse: Buffer = Buffer.alloc(0)): Buffer {
  const pad = id.length % 2 === 0 ? 1 : 0; // the system use area starts at an even offset
  let length = 33 + id.length + pad + systemUse.length;
  const tail = length % 2; // and the whole record is even
  length += tail;
  if (length > 255) throw new Error('ISO 9660 directory record too long');
  return Buffer.concat([
    Buffer.from([length, 0]),
    both32(location),
    both32(size),
    recordingDate(date),
    Buffer.from([isDir ? 0x02 : 0, 0, 0]),
    both16(1),
    Buffer.from([id.length]),
    id,
    Buffer.alloc(pad),
    systemUse,
    Buffer.alloc(tail),
  ]);
}

/** Records laid into sectors: a record never crosses a sector boundary. */
function extent(records: Buffer[]): Buffer {
  const sectors: Buffer[] = [];
  let current: Buffer[] = [];
  let used = 0;
  for (const r of records) {
    if (used + r.length > SECTOR) {
      sectors.push(Buffer.concat([...current, Buffer.alloc(SECTOR - used)]));
      current = [];
      used = 0;
    }
    current.push(r);
    used += r.length;
  }
  sectors.push(Buffer.concat([...current, Buffer.alloc(SECTOR - used)]));
  return Buffer.concat(sectors);
}

function pathTable(dirs: Dir[], joliet: boolean, bigEndian: boolean): Buffer {
  return Buffer.concat(
    dirs.map((d) => {
      const id = !d.parent ? Buffer.from([0]) : joliet ? ucs2(d.name) : Buffer.from(primaryName(d.name, true), 'ascii');
      const head = Buffer.alloc(8);
      head.writeUInt8(id.length, 0);
      const location = joliet ? d.jolietLocation : d.location;
      if (bigEndian) {
        head.writeUInt32BE(location, 2);
        head.writeUInt16BE(d.parent?.number ?? 1, 6);
      } else {
        head.writeUInt32LE(location, 2);
        head.writeUInt16LE(d.parent?.number ?? 1, 6);
      }
      return Buffer.concat([head, id, Buffer.alloc(id.length % 2)]);
    }),
  );
}

function buildTree(files: IsoFile[]): Dir[] {
  const root: Dir = { name: '', dirs: [], files: [], number: 1, location: 0, size: 0, jolietLocation: 0, jolietSize: 0 };
  for (const f of files) {
    const parts = f.path.split('/').filter((p) => p !== '');
    const base = parts.pop();
    if (!base) throw new Error(`bad ISO path ${f.path}`);
    let dir = root;
    for (const p of parts) {
      let next = dir.dirs.find((d) => d.name === p);
      if (!next) {
        next = { name: p, parent: dir, dirs: [], files: [], number: 0, location: 0, size: 0, jolietLocation: 0, jolietSize: 0 };
        dir.dirs.push(next);
      }
      dir = next;
    }
    if ([...base].length > MAX_JOLIET_NAME_LENGTH) throw new Error(`Joliet name too long: ${base}`);
    dir.files.push({ name: base, data: f.data, location: 0 });
  }
  // Path table order: by level, then parent number, then name (ECMA-119 9.4).
  const ordered: Dir[] = [root];
  for (let i = 0; i < ordered.length; i++) {
    const d = ordered[i] as Dir;
    d.number = i + 1;
    d.dirs.sort((a, b) => (primaryName(a.name, true) < primaryName(b.name, true) ? -1 : 1));
    d.files.sort((a, b) => (primaryName(a.name, false) < primaryName(b.name, false) ? -1 : 1));
    ordered.push(...d.dirs);
  }
  return ordered;
}

function dirRecords(d: Dir, joliet: boolean, date: Date, continuation: number): Buffer[] {
  const loc = (x: Dir): number => (joliet ? x.jolietLocation : x.location);
  const size = (x: Dir): number => (joliet ? x.jolietSize : x.size);
  const rr = (o: { name?: string; isDir: boolean; links: number; root?: { continuation: number } }): Buffer => (joliet ? Buffer.alloc(0) : rockRidge({ ...o, date }));
  const links = (x: Dir): number => 2 + x.dirs.length; // `.`, its entry in the parent, each child's `..`
  const parent = d.parent ?? d;
  const records = [
    directoryRecord(Buffer.from([0]), loc(d), size(d), true, date, rr({ isDir: true, links: links(d), ...(!d.parent ? { root: { continuation } } : {}) })),
    directoryRecord(Buffer.from([1]), loc(parent), size(parent), true, date, rr({ isDir: true, links: links(parent) })),
  ];
  for (const c of d.dirs) records.push(directoryRecord(joliet ? ucs2(c.name) : Buffer.from(primaryName(c.name, true), 'ascii'), loc(c), size(c), true, date, rr({ name: c.name, isDir: true, links: links(c) })));
  for (const f of d.files) records.push(directoryRecord(joliet ? ucs2(`${f.name};1`) : Buffer.from(primaryName(f.name, false), 'ascii'), f.location, f.data.length, false, date, rr({ name: f.name, isDir: false, links: 1 })));
  return records;
}

function volumeDescriptor(type: 1 | 2, o: { volumeId: string; publisher: string; date: Date; sectors: number; pathTableSize: number; lPath: number; mPath: number; root: Buffer }): Buffer {
  const joliet = type === 2;
  const b = Buffer.alloc(SECTOR);
  b.writeUInt8(type, 0);
  b.write('CD001', 1, 'ascii');
  b.writeUInt8(1, 6);
  padded('LINUX', 32, joliet).copy(b, 8);
  padded(o.volumeId, 32, joliet).copy(b, 40);
  both32(o.sectors).copy(b, 80);
  if (joliet) Buffer.from([0x25, 0x2f, 0x45]).copy(b, 88); // UCS-2 level 3
  both16(1).copy(b, 120);
  both16(1).copy(b, 124);
  both16(SECTOR).copy(b, 128);
  both32(o.pathTableSize).copy(b, 132);
  b.writeUInt32LE(o.lPath, 140);
  b.writeUInt32BE(o.mPath, 148);
  o.root.copy(b, 156);
  padded('', 128, joliet).copy(b, 190);
  padded(o.publisher, 128, joliet).copy(b, 318);
  padded('', 128, joliet).copy(b, 446);
  padded('', 128, joliet).copy(b, 574);
  padded('', 37, joliet).copy(b, 702);
  padded('', 37, joliet).copy(b, 739);
  padded('', 37, joliet).copy(b, 776);
  volumeDate(o.date).copy(b, 813);
  volumeDate(o.date).copy(b, 830);
  volumeDate(undefined).copy(b, 847);
  volumeDate(undefined).copy(b, 864);
  b.writeUInt8(1, 881);
  return b;
}

/** The ISO image holding `files`, built in memory. */
export function buildIso(files: IsoFile[], opts: IsoOptions): Buffer {
  const date = opts.date ?? new Date();
  const dirs = buildTree(files);
  const tableSize = (joliet: boolean): number => pathTable(dirs, joliet, false).length;
  let next = 19; // 16 primary, 17 Joliet, 18 terminator
  const lPath = next;
  next += sectorsFor(tableSize(false));
  const mPath = next;
  next += sectorsFor(tableSize(false));
  const jlPath = next;
  next += sectorsFor(tableSize(true));
  const jmPath = next;
  next += sectorsFor(tableSize(true));
  const continuation = next++;
  // Record sizes do not depend on locations: size every directory, then place them.
  for (const joliet of [false, true]) {
    for (const d of dirs) {
      const size = extent(dirRecords(d, joliet, date, continuation)).length;
      if (joliet) [d.jolietSize, d.jolietLocation] = [size, next];
      else [d.size, d.location] = [size, next];
      next += size / SECTOR;
    }
  }
  for (const d of dirs) {
    for (const f of d.files) {
      f.location = f.data.length > 0 ? next : 0;
      next += sectorsFor(f.data.length);
    }
  }
  const sectors = next + PADDING_SECTORS;
  const image = Buffer.alloc(sectors * SECTOR);
  const root = dirs[0] as Dir;
  const common = { volumeId: opts.volumeId, publisher: opts.publisher ?? '', date, sectors };
  volumeDescriptor(1, { ...common, pathTableSize: tableSize(false), lPath, mPath, root: directoryRecord(Buffer.from([0]), root.location, root.size, true, date) }).copy(image, 16 * SECTOR);
  volumeDescriptor(2, { ...common, pathTableSize: tableSize(true), lPath: jlPath, mPath: jmPath, root: directoryRecord(Buffer.from([0]), root.jolietLocation, root.jolietSize, true, date) }).copy(image, 17 * SECTOR);
  const terminator = Buffer.alloc(SECTOR);
  terminator.writeUInt8(255, 0);
  terminator.write('CD001', 1, 'ascii');
  terminator.writeUInt8(1, 6);
  terminator.copy(image, 18 * SECTOR);
  pathTable(dirs, false, false).copy(image, lPath * SECTOR);
  pathTable(dirs, false, true).copy(image, mPath * SECTOR);
  pathTable(dirs, true, false).copy(image, jlPath * SECTOR);
  pathTable(dirs, true, true).copy(image, jmPath * SECTOR);
  extensionReference().copy(image, continuation * SECTOR);
  for (const d of dirs) {
    extent(dirRecords(d, false, date, continuation)).copy(image, d.location * SECTOR);
    extent(dirRecords(d, true, date, continuation)).copy(image, d.jolietLocation * SECTOR);
    for (const f of d.files) f.data.copy(image, f.location * SECTOR);
  }
  return image;
}
