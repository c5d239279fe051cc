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
/**
 * Once every byte of a known size has arrived, how long the end of the stream may take before the download
 * is taken as done. The end normally follows within milliseconds (and lets the browser keep its cache
 * entry, so a second visit revalidates); it has been seen to never come in the browser under CI load, and
 * the step-through then sat on "Loading …" until the stalls ran out.
 */
export const END_GRACE_MS = 2_000;

export interface DownloadOptions {
  /** Give up on an attempt that receives nothing (no answer, or no bytes) for this long. */
  stallMs?: number;
  /** Called when the server answers, with the size it announces (the expected size, or its Content-Length). */
  onResponse?: (totalBytes: number | null) => void;
  /** How many attempts before a stalled download is given up (3). */
  attempts?: number;
  /** Called when a stalled attempt is abandoned, before attempt `attempt` (2 or 3) of `attempts` starts. */
  onRetry?: (attempt: number, attempts: number) => void;
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
      const complete = out !== null && at === out.length;
      const { done, value } = await (complete ? readOrGiveUp(reader) : reader.read());
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

/** The next read, or the end of the stream when none comes within END_GRACE_MS (the reader is cancelled then). */
async function readOrGiveUp(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), END_GRACE_MS)));
  try {
    const result = await Promise.race([reader.read(), grace]);
    if (result !== 'late') return result;
    reader.cancel().catch(() => undefined);
    return { done: true, value: undefined };
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
  const attempts = options.attempts ?? ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    let received = 0;
    try {
      return await fetchOnce(url, expectedBytes, (n) => ((received += n), onBytes(n)), settings);
    } catch (error) {
      if (!(error instanceof StalledDownload) || attempt >= attempts) throw error;
      onBytes(-received);
      options.onRetry?.(attempt + 1, attempts);
    }
  }
}

/**
 * How long the class names (batches.meta.txt, a few dozen bytes) may take, in one attempt. They are optional:
 * without them the standard ten names stand (cifar10FromFiles), so a names file that does not come costs a
 * few seconds and never the images. (In CI's browser this one file has twice gone unanswered; with the three
 * 15 s attempts of a batch, the notebook's picture then waited most of a minute.)
 */
export const CLASS_NAMES_STALL_MS = 5_000;

/**
 * Fetches the class names (when they come), `trainBatches` training batches and the test batch, validating
 * each.
 */
export async function fetchCifar10(baseUrl: string, manifest: Cifar10Manifest, trainBatches: number, onProgress: (p: DataProgress) => void): Promise<Cifar10> {
  const listed = (name: string) => manifest.files.find((f) => f.name === name);
  const batches = [...TRAIN_BATCH_FILES.slice(0, trainBatches), TEST_BATCH_FILE].map(listed).filter((f) => f !== undefined);
  const total = batches.reduce((s, f) => s + f.bytes, 0);
  let loaded = 0;
  const files = new Map<string, Uint8Array>();
  const meta = listed(META_FILE);
  if (meta) {
    onProgress({ fraction: 0, message: engineText('data.loading', { name: meta.name }) });
    const names = await fetchWithProgress(`${baseUrl}${meta.name}`, meta.bytes, () => {}, { stallMs: CLASS_NAMES_STALL_MS, attempts: 1 }).catch(() => null);
    if (names) files.set(meta.name, names);
  }
  for (const entry of batches) {
    const bytes = await fetchWithProgress(
      `${baseUrl}${entry.name}`,
      entry.bytes,
      (n) => {
        loaded += n;
        onProgress({ fraction: loaded / total, message: engineText('data.loading', { name: entry.name }) });
      },
      {
        // Said at once, so that a slow server reads as one, not as a page that hangs.
        onRetry: (attempt, attempts) =>
          onProgress({ fraction: loaded / total, message: engineText('data.retrying', { name: entry.name, seconds: STALL_MS / 1000, attempt, attempts }) }),
      },
    );
    files.set(entry.name, bytes);
  }
  return cifar10FromFiles(files, trainBatches);
}
