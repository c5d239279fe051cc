/** A download that stalls is abandoned and tried again, instead of leaving a page loading forever. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CIFAR10_CLASSES } from '../../engine/data/cifar10';
import { CLASS_NAMES_STALL_MS, END_GRACE_MS, fetchCifar10, fetchWithProgress } from '../../engine/data/fetchCifar10';

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

  it('say when they try again', async () => {
    let calls = 0;
    globalThis.fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) =>
      response(Uint8Array.from([1, 2, 3]), ++calls < 3, init?.signal ?? undefined),
    ) as typeof fetch;
    const retries: string[] = [];
    await fetchWithProgress('http://test/file', 3, () => {}, { stallMs: 30, onRetry: (attempt, attempts) => retries.push(`${attempt}/${attempts}`) });
    expect(retries).toEqual(['2/3', '3/3']);
  });

  /** A body that sends `bytes` in two chunks, and then its end after `endAfterMs` (never, when null). */
  function lateEnd(bytes: Uint8Array, endAfterMs: number | null) {
    const state = { cancelled: false };
    globalThis.fetch = vi.fn(async () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, 2));
          controller.enqueue(bytes.slice(2));
          if (endAfterMs !== null) setTimeout(() => controller.close(), endAfterMs);
        },
        cancel: () => void (state.cancelled = true),
      });
      return new Response(body, { status: 200 });
    }) as typeof fetch;
    return state;
  }

  it('of a known size end soon after its last byte even when the stream never ends', async () => {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5]);
    const body = lateEnd(bytes, null);
    const started = performance.now();
    // Without the grace this waits for a stall (a minute here, past this test's time limit).
    const out = await fetchWithProgress('http://test/batches.meta.txt', 5, () => {}, { stallMs: 60_000 });
    expect(out).toEqual(bytes);
    expect(performance.now() - started).toBeGreaterThanOrEqual(END_GRACE_MS - 50);
    expect(body.cancelled).toBe(true);
    expect(globalThis.fetch).toHaveBeenCalledTimes(1);
  });

  it('wait for the end of the stream when it comes (the browser keeps a cache entry only for a whole response)', async () => {
    const bytes = Uint8Array.from([1, 2, 3, 4, 5]);
    const body = lateEnd(bytes, 200);
    expect(await fetchWithProgress('http://test/test_batch.bin', 5, () => {})).toEqual(bytes);
    expect(body.cancelled).toBe(false);
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

  it('of CIFAR-10 go on without the class names when they do not come: the standard ten stand, the images load', async () => {
    const record = new Uint8Array(3073).fill(7);
    record[0] = 3; // a cat
    const requested: string[] = [];
    globalThis.fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      requested.push(String(url).replace(/.*\//, ''));
      if (String(url).endsWith('batches.meta.txt')) {
        // No answer at all, until the download gives up on it.
        return new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
      }
      return new Response(record.slice(), { status: 200 });
    }) as typeof fetch;
    const manifest = {
      files: [
        { name: 'batches.meta.txt', bytes: 61 },
        { name: 'test_batch.bin', bytes: 3073, images: 1 },
      ],
    };
    const messages: string[] = [];
    const started = performance.now();
    const data = await fetchCifar10('http://test/', manifest, 0, (p) => messages.push(p.message));
    expect(performance.now() - started).toBeGreaterThanOrEqual(CLASS_NAMES_STALL_MS - 50);
    expect(performance.now() - started).toBeLessThan(3 * CLASS_NAMES_STALL_MS); // one attempt, not three
    expect(requested).toEqual(['batches.meta.txt', 'test_batch.bin']);
    expect(data.classNames).toEqual([...CIFAR10_CLASSES]);
    expect(data.test.count).toBe(1);
    expect(data.test.labels[0]).toBe(3);
    expect(messages.at(-1)).toBe('Loading test_batch.bin');
  }, 20_000);
});
