/**
 * gunzip through the platform's DecompressionStream (browsers, workers and Node ≥ 18 all have it), so the
 * engine needs no compression library.
 */
import { DataFormatError } from './errors';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export async function gunzip(bytes: Uint8Array, name = 'file'): Promise<Uint8Array> {
  if (!isGzip(bytes)) throw new DataFormatError(`${name} is not gzip-compressed (it does not start with the gzip signature 1f 8b)`);
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataFormatError(`${name} is corrupt or truncated: gzip says "${reason}"`);
  }
}
