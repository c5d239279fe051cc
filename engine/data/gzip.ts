/**
 * gzip through the platform's CompressionStream (browsers, workers and Node ≥ 18 all have it; archives are
 * read through DecompressionStream in cifar10.ts), so the engine needs no compression library.
 */
import { readStream } from './readStream';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gzip-compresses bytes (level as the platform's CompressionStream chooses): how small a file downloads. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip')).getReader();
  return readStream(reader);
}
