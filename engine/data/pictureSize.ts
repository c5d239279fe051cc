/**
 * A picture's size from its first bytes, read before anything decodes it: a learner's file may claim to be
 * 100,000 × 100,000 pixels, and decoding that would take the tab down. PNG, JPEG, GIF, WebP, BMP and AVIF
 * (the formats browsers decode); null when the bytes are none of these or their header is cut short.
 */
export interface PictureSize {
  format: 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif';
  width: number;
  height: number;
}

/** Enough of a file to find its size in: JPEG puts its frame header after its metadata, which can be long. */
export const PICTURE_HEADER_BYTES = 256 * 1024;

const ascii = (b: Uint8Array, at: number, length: number) => String.fromCharCode(...b.subarray(at, at + length));

function sized(format: PictureSize['format'], width: number, height: number): PictureSize | null {
  return Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 ? { format, width, height } : null;
}

function jpegSize(b: Uint8Array, v: DataView): PictureSize | null {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const length = v.getUint16(at + 2);
    if (length < 2) return null;
    // Start-of-frame markers (baseline, progressive, lossless …), not DHT (c4), JPG (c8) or DAC (cc).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return sized('jpeg', v.getUint16(at + 7), v.getUint16(at + 5));
    at += 2 + length;
  }
  return null;
}

function avifSize(b: Uint8Array, v: DataView): PictureSize | null {
  // The image spatial extents property: 'ispe', version and flags (4 bytes), then width and height (u32 each).
  for (let at = 4; at + 16 <= b.length; at++) {
    if (b[at] === 0x69 && ascii(b, at, 4) === 'ispe') return sized('avif', v.getUint32(at + 8), v.getUint32(at + 12));
  }
  return null;
}

export function pictureSize(bytes: Uint8Array): PictureSize | null {
  try {
    return readSize(bytes);
  } catch (error) {
    if (error instanceof RangeError) return null; // a field past the end: the header is cut short
    throw error;
  }
}

function readSize(bytes: Uint8Array): PictureSize | null {
  const b = bytes;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 24 && b[0] === 0x89 && ascii(b, 1, 3) === 'PNG') return sized('png', v.getUint32(16), v.getUint32(20));
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpegSize(b, v);
  if (b.length >= 10 && ascii(b, 0, 3) === 'GIF') return sized('gif', v.getUint16(6, true), v.getUint16(8, true));
  if (b.length >= 30 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const chunk = ascii(b, 12, 4);
    const u24 = (at: number) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
    if (chunk === 'VP8X') return sized('webp', 1 + u24(24), 1 + u24(27));
    if (chunk === 'VP8L') {
      const bits = v.getUint32(21, true);
      return sized('webp', 1 + (bits & 0x3fff), 1 + ((bits >> 14) & 0x3fff));
    }
    if (chunk === 'VP8 ') return sized('webp', v.getUint16(26, true) & 0x3fff, v.getUint16(28, true) & 0x3fff);
    return null;
  }
  if (b.length >= 26 && ascii(b, 0, 2) === 'BM') return sized('bmp', Math.abs(v.getInt32(18, true)), Math.abs(v.getInt32(22, true)));
  if (b.length >= 12 && ascii(b, 4, 4) === 'ftyp' && /^avi[fs]$/.test(ascii(b, 8, 4))) return avifSize(b, v);
  return null;
}

/** The largest picture the app decodes (a 50-megapixel photo is about 200 MB once decoded). */
export const MAX_PICTURE_PIXELS = 50_000_000;

/** The centred square of a width × height picture: what a 32 × 32 CIFAR picture is cut from, unsquashed. */
export function centreSquare(width: number, height: number): { x: number; y: number; side: number } {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), side };
}
