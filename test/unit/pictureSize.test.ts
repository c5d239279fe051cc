/** A picture's size from its header, before decoding: every format browsers decode, and hostile bytes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centreSquare, pictureSize } from '../../engine/data/pictureSize';

const bytes = (...parts: (number[] | string)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const be32 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const be16 = (n: number) => [n >>> 8, n & 255];
const le16 = (n: number) => [n & 255, n >>> 8];
const le32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];
const le24 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];

describe('picture sizes from headers', () => {
  it('reads PNG, JPEG (after its metadata), GIF, WebP (three kinds), BMP and AVIF', () => {
    expect(pictureSize(bytes([0x89], 'PNG\r\n\x1a\n', be32(13), 'IHDR', be32(20000), be32(300), [8, 2, 0, 0, 0]))).toEqual({
      format: 'png',
      width: 20000,
      height: 300,
    });
    // SOI, an APP1 (EXIF) segment of 300 bytes, then a progressive SOF2 frame of 4000 × 3000.
    const app1 = [0xff, 0xe1, ...be16(300), ...new Array(298).fill(7)];
    const sof2 = [0xff, 0xc2, ...be16(17), 8, ...be16(3000), ...be16(4000), 3, ...new Array(9).fill(0)];
    expect(pictureSize(bytes([0xff, 0xd8], app1, sof2))).toEqual({ format: 'jpeg', width: 4000, height: 3000 });
    // A DHT table (0xc4) before the frame is not a frame.
    const dht = [0xff, 0xc4, ...be16(20), ...new Array(18).fill(1)];
    expect(pictureSize(bytes([0xff, 0xd8], dht, sof2))).toEqual({ format: 'jpeg', width: 4000, height: 3000 });
    expect(pictureSize(bytes('GIF89a', le16(640), le16(480), [0, 0, 0]))).toEqual({ format: 'gif', width: 640, height: 480 });
    const riff = (chunk: string, body: number[]) => bytes('RIFF', le32(100), 'WEBP', chunk, le32(body.length), body);
    expect(pictureSize(riff('VP8X', [0, 0, 0, 0, ...le24(1919), ...le24(1079)]))).toEqual({ format: 'webp', width: 1920, height: 1080 });
    const lossless = 0x2f | 0; // signature byte, then 14 bits of width − 1 and 14 of height − 1
    const bits = (99 & 0x3fff) | ((49 & 0x3fff) << 14);
    expect(pictureSize(riff('VP8L', [lossless, ...le32(bits), 0, 0, 0, 0, 0]))).toEqual({ format: 'webp', width: 100, height: 50 });
    expect(pictureSize(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...le16(800), ...le16(600), 0, 0]))).toEqual({ format: 'webp', width: 800, height: 600 });
    expect(pictureSize(bytes('BM', new Array(16).fill(0), le32(1024), le32(-768 >>> 0), [0, 0]))).toEqual({ format: 'bmp', width: 1024, height: 768 });
    const ispe = [...be32(20), ...[...'ispe'].map((c) => c.charCodeAt(0)), 0, 0, 0, 0, ...be32(9000), ...be32(9000)];
    expect(pictureSize(bytes(be32(24), 'ftypavif', new Array(12).fill(0), ispe))).toEqual({ format: 'avif', width: 9000, height: 9000 });
  });

  it('says null for text, SVG, cut-short headers and zero sizes', () => {
    expect(pictureSize(bytes('not a picture'))).toBeNull();
    expect(pictureSize(bytes('<svg xmlns="http://www.w3.org/2000/svg" width="99999" height="99999"/>'))).toBeNull();
    expect(pictureSize(bytes([0x89], 'PNG\r\n'))).toBeNull();
    expect(pictureSize(bytes([0xff, 0xd8, 0xff, 0xe1, 0, 200]))).toBeNull();
    expect(pictureSize(bytes('GIF89a', le16(0), le16(480), [0, 0, 0]))).toBeNull();
  });

  it('never throws on any bytes, and any size it gives is positive and whole', () => {
    const signatures = [[0x89, 0x50, 0x4e, 0x47], [0xff, 0xd8], [0x47, 0x49, 0x46], [0x42, 0x4d], [0x52, 0x49, 0x46, 0x46], []];
    fc.assert(
      fc.property(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 600 }), (head, rest) => {
        const size = pictureSize(Uint8Array.from([...head, ...rest]));
        if (size) expect(Number.isInteger(size.width) && size.width > 0 && Number.isInteger(size.height) && size.height > 0).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('cuts the centred square', () => {
    expect(centreSquare(128, 32)).toEqual({ x: 48, y: 0, side: 32 });
    expect(centreSquare(30, 41)).toEqual({ x: 0, y: 5, side: 30 });
  });
});
