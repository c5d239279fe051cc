/** Reads a byte stream to its end into one array, reporting each chunk's size as it arrives. */
export async function readStream(reader: ReadableStreamDefaultReader<Uint8Array>, onChunk?: (bytes: number) => void): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
    onChunk?.(value.length);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
