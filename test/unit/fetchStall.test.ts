/** A download that stalls is abandoned and tried again, instead of leaving a page loading forever. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchWithProgress } from '../../engine/data/fetchCifar10';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** A response that sends `bytes`, then (when `stall`) never ends. */
function response(bytes: Uint8Array, stall: boolean, signal?: AbortSignal): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.slice(0, 2));
      if (!stall) {
        controller.enqueue(bytes.slice(2));
        controller.close();
      } else signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
    },
  });
  return new Response(body, { status: 200 });
}

describe('downloads', () => {
  it('retry a stalled download and count its bytes once', async () => {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5]);
    let calls = 0;
    globalThis.fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => response(bytes, ++calls === 1, init?.signal ?? undefined)) as typeof fetch;
    let counted = 0;
    const out = await fetchWithProgress('http://test/file', 5, (n) => (counted += n), { stallMs: 50 });
    expect(out).toEqual(bytes);
    expect(calls).toBe(2);
    expect(counted).toBe(5);
  });

  it('give up with a message naming the file after three stalls', async () => {
    globalThis.fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) =>
      response(Uint8Array.from([1, 2, 3]), true, init?.signal ?? undefined),
    ) as typeof fetch;
    await expect(fetchWithProgress('http://test/batch.bin', 3, () => {}, { stallMs: 30 })).rejects.toThrow(
      'http://test/batch.bin stalled: nothing received for 0.03 s',
    );
    expect(globalThis.fetch).toHaveBeenCalledTimes(3);
  });
});
