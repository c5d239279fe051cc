/**
 * gunzip through the platform's DecompressionStream (browsers, workers and Node ≥ 18 all have it), so the
 * engine needs no compression library.
 */
import { DataFormatError } from './errors';
import { readStream } from './readStream';
import { engineText } from '../text/engineText';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export async function gunzip(bytes: Uint8Array, name = 'file'): Promise<Uint8Array> {
  if (!isGzip(bytes)) throw new DataFormatError(engineText('data.notGzip', { name }));
  // Read the stream directly: wrapping it in a Response would turn the decoder's error into "Failed to fetch".
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    return await readStream(reader);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataFormatError(engineText('data.gzipCorrupt', { name, reason }));
  }
}

/** Gzip-compresses bytes (level as the platform's CompressionStream chooses): how small a file downloads. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip')).getReader();
  return readStream(reader);
}
