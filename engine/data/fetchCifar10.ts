/**
 * Loads installed CIFAR-10 batches over HTTP (the app serves them from /data/cifar-10-batches-bin/), with
 * progress. Runs wherever fetch exists: a browser worker, or Node.
 */
import { CIFAR10_DIR, Cifar10, cifar10FromFiles, META_FILE, TEST_BATCH_FILE, TRAIN_BATCH_FILES } from './cifar10';
import { DataFormatError } from './errors';
import { engineText } from '../text/engineText';

export interface DataProgress {
  /** 0…1 over everything being loaded. */
  fraction: number;
  message: string;
}

export interface Cifar10Manifest {
  files: { name: string; bytes: number; images?: number }[];
}

export function cifar10BaseUrl(origin: string): string {
  return `${origin}/data/${CIFAR10_DIR}/`;
}

/** The manifest written by `npm run data`, or null when the data is not installed. */
export async function fetchCifar10Manifest(baseUrl: string): Promise<Cifar10Manifest | null> {
  try {
    const response = await fetch(`${baseUrl}manifest.json`, { cache: 'no-store' });
    if (!response.ok) return null;
    const manifest = (await response.json()) as Cifar10Manifest;
    return Array.isArray(manifest.files) ? manifest : null;
  } catch {
    return null;
  }
}

/** A download that receives nothing for this long is abandoned and tried again (a stalled connection). */
export const STALL_MS = 15_000;
const ATTEMPTS = 3;

export interface DownloadOptions {
  /** Give up on an attempt that receives nothing (no answer, or no bytes) for this long. */
  stallMs?: number;
  /** Called when the server answers, with the size it announces (the expected size, or its Content-Length). */
  onResponse?: (totalBytes: number | null) => void;
}

/** A download that received nothing for too long, after every attempt. */
export class StalledDownload extends Error {
  override name = 'StalledDownload';
}

async function fetchOnce(
  url: string,
  expectedBytes: number | null,
  onBytes: (n: number) => void,
  options: Required<Pick<DownloadOptions, 'stallMs'>> & DownloadOptions,
): Promise<Uint8Array> {
  const { stallMs } = options;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let rearm = () => {};
  const stalled = new Promise<never>((_, reject) => {
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        controller.abort();
        reject(new StalledDownload(engineText('data.stalled', { url, seconds: stallMs / 1000 })));
      }, stallMs);
    };
    rearm = arm;
    arm();
  });
  const download = async () => {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok || !response.body) throw new DataFormatError(engineText('data.httpError', { url, status: response.status }));
    const announced = Number(response.headers.get('content-length'));
    const total = expectedBytes ?? (Number.isSafeInteger(announced) && announced > 0 ? announced : null);
    options.onResponse?.(total);
    // Known size: one array, filled in place. Unknown: the chunks, joined at the end.
    const out = total === null ? null : new Uint8Array(total);
    const chunks: Uint8Array[] = [];
    let at = 0;
    const reader = response.body.getReader();
    for (;;) {
      rearm();
      const { done, value } = await reader.read();
      if (done) break;
      if (out) {
        if (at + value.length > out.length) throw new DataFormatError(engineText('data.tooLarge', { url, bytes: out.length }));
        out.set(value, at);
      } else chunks.push(value);
      at += value.length;
      onBytes(value.length);
    }
    if (out && at !== out.length) throw new DataFormatError(engineText('data.truncated', { url, got: at, bytes: out.length }));
    if (out) return out;
    const joined = new Uint8Array(at);
    let offset = 0;
    for (const chunk of chunks) joined.set(chunk, (offset += chunk.length) - chunk.length);
    return joined;
  };
  try {
    return await Promise.race([download(), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads one file with progress; a stalled download is retried (its bytes are counted again, so undone
 * first). `expectedBytes`: the size a manifest lists, or null to take the server's Content-Length.
 * Used by the app's worker and by `npm run data` alike.
 */
export async function fetchWithProgress(
  url: string,
  expectedBytes: number | null,
  onBytes: (n: number) => void,
  options: DownloadOptions = {},
): Promise<Uint8Array> {
  const settings = { stallMs: STALL_MS, ...options };
  for (let attempt = 1; ; attempt++) {
    let received = 0;
    try {
      return await fetchOnce(url, expectedBytes, (n) => ((received += n), onBytes(n)), settings);
    } catch (error) {
      if (!(error instanceof StalledDownload) || attempt >= ATTEMPTS) throw error;
      onBytes(-received);
    }
  }
}

/** Fetches `trainBatches` training batches and the test batch, validating each. */
export async function fetchCifar10(baseUrl: string, manifest: Cifar10Manifest, trainBatches: number, onProgress: (p: DataProgress) => void): Promise<Cifar10> {
  const wanted = [...TRAIN_BATCH_FILES.slice(0, trainBatches), TEST_BATCH_FILE, META_FILE];
  const entries = wanted.map((name) => manifest.files.find((f) => f.name === name)).filter((f) => f !== undefined);
  const total = entries.reduce((s, f) => s + f.bytes, 0);
  let loaded = 0;
  const files = new Map<string, Uint8Array>();
  for (const entry of entries) {
    const bytes = await fetchWithProgress(`${baseUrl}${entry.name}`, entry.bytes, (n) => {
      loaded += n;
      onProgress({ fraction: loaded / total, message: engineText('data.loading', { name: entry.name }) });
    });
    files.set(entry.name, bytes);
  }
  return cifar10FromFiles(files, trainBatches);
}
