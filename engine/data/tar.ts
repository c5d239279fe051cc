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

export function readTar(bytes: Uint8Array, archiveName = 'archive'): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | null = null;
  if (bytes.length < BLOCK) throw new DataFormatError(engineText('data.tooShortForTar', { name: archiveName, bytes: bytes.length }));
  while (offset + BLOCK <= bytes.length) {
    if (isZeroBlock(bytes, offset)) break;
    if (!headerChecksumOk(bytes, offset)) {
      throw new DataFormatError(offset === 0 ? engineText('data.notTar', { name: archiveName }) : engineText('data.tarDamaged', { name: archiveName, offset }));
    }
    const size = readOctal(bytes, offset + 124, 12);
    const type = String.fromCharCode(bytes[offset + 156] || 48);
    const prefix = readString(bytes, offset + 345, 155);
    let name = readString(bytes, offset, 100);
    if (prefix) name = `${prefix}/${name}`;
    if (longName !== null) {
      name = longName;
      longName = null;
    }
    const dataStart = offset + BLOCK;
    if (!Number.isFinite(size) || dataStart + size > bytes.length) {
      throw new DataFormatError(engineText('data.tarTruncated', { name: archiveName, entry: name, needed: size, left: Math.max(0, bytes.length - dataStart) }));
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    if (type === 'L') {
      longName = readString(data, 0, data.length); // GNU long file name for the next entry
    } else if (type === '0' || type === '\0' || type === '7') {
      entries.push({ name: name.replace(/^\.\//, ''), data });
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
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
