/**
 * A minimal reader for ustar/POSIX tar archives: 512-byte headers, each followed by its data padded to 512.
 * Entries are views into the archive (no copy). Every header's checksum is verified, so a file that is not a
 * tarball, or one cut short, is reported as such rather than read as garbage.
 */
import { DataFormatError } from './errors';
import { engineText } from '../text/engineText';

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

const BLOCK = 512;

function readString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

function readOctal(bytes: Uint8Array, start: number, length: number): number {
  const text = readString(bytes, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return NaN;
  return parseInt(text, 8);
}

function headerChecksumOk(bytes: Uint8Array, offset: number): boolean {
  const stored = readOctal(bytes, offset + 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : bytes[offset + i];
  return stored === sum;
}

function isZeroBlock(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < BLOCK; i++) if (bytes[offset + i] !== 0) return false;
  return true;
}

/** One header block, read: the entry it announces, or the end of the archive (a zero block). */
type Header = { end: true } | { end: false; name: string; size: number; type: string };

/** Reads the header block at `offset` of `bytes`; throws when its checksum is wrong (not tar, or damaged). */
function readHeader(bytes: Uint8Array, offset: number, archiveName: string, position: number): Header {
  if (isZeroBlock(bytes, offset)) return { end: true };
  if (!headerChecksumOk(bytes, offset)) {
    throw new DataFormatError(
      position === 0 ? engineText('data.notTar', { name: archiveName }) : engineText('data.tarDamaged', { name: archiveName, offset: position }),
    );
  }
  const size = readOctal(bytes, offset + 124, 12);
  const type = String.fromCharCode(bytes[offset + 156] || 48);
  const prefix = readString(bytes, offset + 345, 155);
  const name = readString(bytes, offset, 100);
  return { end: false, name: prefix ? `${prefix}/${name}` : name, size, type };
}

const isFile = (type: string) => type === '0' || type === '\0' || type === '7';
const entryName = (name: string) => name.replace(/^\.\//, '');

export function readTar(bytes: Uint8Array, archiveName = 'archive'): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | null = null;
  if (bytes.length < BLOCK) throw new DataFormatError(engineText('data.tooShortForTar', { name: archiveName, bytes: bytes.length }));
  while (offset + BLOCK <= bytes.length) {
    const header = readHeader(bytes, offset, archiveName, offset);
    if (header.end) break;
    const { size, type } = header;
    const name = longName ?? header.name;
    longName = null;
    const dataStart = offset + BLOCK;
    if (!Number.isFinite(size) || dataStart + size > bytes.length) {
      throw new DataFormatError(engineText('data.tarTruncated', { name: archiveName, entry: name, needed: size, left: Math.max(0, bytes.length - dataStart) }));
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    if (type === 'L') {
      longName = readString(data, 0, data.length); // GNU long file name for the next entry
    } else if (isFile(type)) {
      entries.push({ name: entryName(name), data });
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

/** GNU long names longer than this are not file names: refused rather than buffered. */
const MAX_LONG_NAME = 64 * 1024;

/**
 * Reads a tar archive as it streams in, keeping only the files `keep` asks for (each in one array of its
 * exact size) and skipping the rest, so a 180 MB archive never sits in memory whole. Returns the kept files
 * and the names of every file in the archive. Errors are those of readTar.
 */
export async function readTarStream(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  archiveName: string,
  keep: (name: string) => boolean,
): Promise<{ files: Map<string, Uint8Array>; names: string[] }> {
  const files = new Map<string, Uint8Array>();
  const names: string[] = [];
  let chunk: Uint8Array = new Uint8Array(0);
  let at = 0; // read position in `chunk`
  let position = 0; // bytes of the archive consumed so far
  let ended = false;
  /** Copies the next `length` bytes into `into` (or drops them when `into` is null); returns how many came. */
  const take = async (length: number, into: Uint8Array | null): Promise<number> => {
    let done = 0;
    while (done < length) {
      if (at === chunk.length) {
        if (ended) break;
        const next = await reader.read();
        if (next.done) {
          ended = true;
          break;
        }
        chunk = next.value;
        at = 0;
        continue;
      }
      const n = Math.min(length - done, chunk.length - at);
      into?.set(chunk.subarray(at, at + n), done);
      at += n;
      done += n;
    }
    position += done;
    return done;
  };
  const header = new Uint8Array(BLOCK);
  let longName: string | null = null;
  try {
    for (;;) {
      const start = position;
      const got = await take(BLOCK, header);
      if (got < BLOCK) {
        if (start === 0) throw new DataFormatError(engineText('data.tooShortForTar', { name: archiveName, bytes: got }));
        if (got > 0) throw new DataFormatError(engineText('data.tarTruncated', { name: archiveName, entry: 'header', needed: BLOCK, left: got }));
        break; // no end-of-archive blocks: accepted, as readTar does
      }
      const h = readHeader(header, 0, archiveName, start);
      if (h.end) break;
      const name = longName ?? h.name;
      longName = null;
      if (!Number.isFinite(h.size)) throw new DataFormatError(engineText('data.tarDamaged', { name: archiveName, offset: start }));
      const padded = Math.ceil(h.size / BLOCK) * BLOCK;
      if (h.type === 'L' && h.size > MAX_LONG_NAME) throw new DataFormatError(engineText('data.tarDamaged', { name: archiveName, offset: start }));
      const wanted = h.type === 'L' || (isFile(h.type) && keep(entryName(name)));
      const data = wanted ? new Uint8Array(h.size) : null;
      const got2 = await take(h.size, data);
      if (got2 < h.size) throw new DataFormatError(engineText('data.tarTruncated', { name: archiveName, entry: name, needed: h.size, left: got2 }));
      await take(padded - h.size, null);
      if (h.type === 'L') longName = readString(data!, 0, data!.length);
      else if (isFile(h.type)) {
        names.push(entryName(name));
        if (data) files.set(entryName(name), data);
      }
    }
    // Read to the end (the archive's zero padding): a gzip stream checks its length and CRC only there.
    while (!ended) ended = (await reader.read()).done;
  } catch (error) {
    void reader.cancel().catch(() => undefined);
    throw error;
  }
  return { files, names };
}

/** Writes a ustar archive (regular files only). Used by tests to build small archives. */
export function writeTar(files: TarEntry[]): Uint8Array {
  const total = files.reduce((s, f) => s + BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(total);
  const enc = new TextEncoder();
  let offset = 0;
  for (const file of files) {
    const header = out.subarray(offset, offset + BLOCK);
    header.set(enc.encode(file.name).subarray(0, 100), 0);
    const octal = (value: number, length: number) => enc.encode(value.toString(8).padStart(length - 1, '0') + '\0');
    header.set(octal(0o644, 8), 100);
    header.set(octal(0, 8), 108);
    header.set(octal(0, 8), 116);
    header.set(octal(file.data.length, 12), 124);
    header.set(octal(0, 12), 136);
    header[156] = 48; // '0': regular file
    header.set(enc.encode('ustar\0' + '00'), 257);
    header.fill(32, 148, 156);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += header[i];
    header.set(enc.encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
    out.set(file.data, offset + BLOCK);
    offset += BLOCK + Math.ceil(file.data.length / BLOCK) * BLOCK;
  }
  return out;
}
