/**
 * CIFAR-10 in its official binary layout (Krizhevsky, 2009): each record is 1 label byte (0–9) followed by
 * 1,024 red, 1,024 green and 1,024 blue bytes, row-major 32×32 — already CHW, the engine's layout.
 * Files: cifar-10-batches-bin/data_batch_1.bin … data_batch_5.bin (10,000 records each), test_batch.bin,
 * batches.meta.txt (class names, one a line).
 */
import { DataFormatError } from './errors';
import { isGzip } from './gzip';
import { readTarStream } from './tar';
import { engineCount, engineText } from '../text/engineText';
import { Prng } from '../random/prng';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
export const IMAGE_SIZE = 32;
export const IMAGE_BYTES = 3 * IMAGE_SIZE * IMAGE_SIZE;
export const RECORD_BYTES = 1 + IMAGE_BYTES;
export const CIFAR10_DIR = 'cifar-10-batches-bin';
export const TRAIN_BATCH_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
/** Images in each training batch file (and in the test batch). */
export const IMAGES_PER_TRAIN_BATCH = 10_000;
export const TEST_BATCH_FILE = 'test_batch.bin';
export const META_FILE = 'batches.meta.txt';
/** The official tarball's canonical address and MD5. */
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';

/** A set of images: `images` holds count × 3,072 bytes (CHW), `labels` count bytes. */
export interface ImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Cifar10 {
  train: ImageSet;
  test: ImageSet;
  classNames: string[];
}

export function parseCifar10Batch(bytes: Uint8Array, name = 'batch'): ImageSet {
  if (bytes.length === 0) throw new DataFormatError(engineText('data.empty', { name }));
  if (bytes.length % RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / RECORD_BYTES);
    throw new DataFormatError(
      engineText('data.notBatch', {
        name,
        bytes: engineCount(bytes.length),
        record: engineCount(RECORD_BYTES),
        whole,
        rest: bytes.length - whole * RECORD_BYTES,
      }),
    );
  }
  const count = bytes.length / RECORD_BYTES;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = bytes[i * RECORD_BYTES];
    if (label > 9) {
      throw new DataFormatError(engineText('data.badLabel', { name, index: i, label }));
    }
    labels[i] = label;
    images.set(bytes.subarray(i * RECORD_BYTES + 1, (i + 1) * RECORD_BYTES), i * IMAGE_BYTES);
  }
  return { images, labels, count };
}

export function concatImageSets(sets: ImageSet[]): ImageSet {
  const count = sets.reduce((s, x) => s + x.count, 0);
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const s of sets) {
    images.set(s.images, at * IMAGE_BYTES);
    labels.set(s.labels, at);
    at += s.count;
  }
  return { images, labels, count };
}

/** The first `limit` images of a set (views, no copy). */
export function takeImages(set: ImageSet, limit: number | undefined): ImageSet {
  if (limit === undefined || limit >= set.count) return set;
  const n = Math.max(0, Math.floor(limit));
  return { images: set.images.subarray(0, n * IMAGE_BYTES), labels: set.labels.subarray(0, n), count: n };
}

export function parseClassNames(text: string): string[] {
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return names.length === 10 ? names : [...CIFAR10_CLASSES];
}

export interface ExtractOptions {
  /** Keep only these batch files (data_batch_1.bin, test_batch.bin, …); all of them when absent. */
  only?: readonly string[];
  /** The fraction of the archive read so far (compressed bytes), as it streams. */
  onProgress?: (fraction: number) => void;
}

/**
 * Opens the official cifar-10-binary.tar.gz (or the tar inside it) and returns its batch files, keyed by
 * file name (data_batch_1.bin …, test_batch.bin, batches.meta.txt when present). The archive streams
 * through the platform's DecompressionStream into the tar reader, which keeps only the files asked for: a
 * dropped 163 MB file is never held whole, compressed or not. Throws a DataFormatError naming the problem
 * when it is not that archive.
 */
export async function extractCifar10Files(source: Blob | Uint8Array, archiveName = 'archive', options: ExtractOptions = {}): Promise<Map<string, Uint8Array>> {
  const blob = source instanceof Blob ? source : new Blob([source as Uint8Array<ArrayBuffer>]);
  const gzipped = isGzip(new Uint8Array(await blob.slice(0, 2).arrayBuffer()));
  let read = 0;
  const counted = blob.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.length;
        options.onProgress?.(blob.size ? read / blob.size : 1);
        controller.enqueue(chunk);
      },
    }),
  );
  const tar = gzipped ? counted.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>) : counted;
  const keep = (name: string) => {
    const [dir, file] = name.split('/').slice(-2);
    return dir === CIFAR10_DIR && !!file && (!options.only || options.only.includes(file));
  };
  let found: { files: Map<string, Uint8Array>; names: string[] };
  try {
    found = await readTarStream(tar.getReader(), archiveName, keep);
  } catch (error) {
    if (error instanceof DataFormatError) throw error;
    // The decompressor's own error: the gzip stream is damaged or cut short.
    throw new DataFormatError(engineText('data.gzipCorrupt', { name: archiveName, reason: error instanceof Error ? error.message : String(error) }));
  }
  const inArchive = new Set(found.names.map((n) => n.split('/').slice(-2).join('/')));
  const missing = [...TRAIN_BATCH_FILES, TEST_BATCH_FILE].filter((f) => !inArchive.has(`${CIFAR10_DIR}/${f}`));
  if (missing.length > 0) {
    const files = missing.map((f) => `${CIFAR10_DIR}/${f}`).join(', ');
    const holds = found.names.length ? engineText('data.holds', { holds: `${found.names.slice(0, 3).join(', ')}${found.names.length > 3 ? ', …' : ''}` }) : '';
    throw new DataFormatError(
      engineText('data.notArchive', { name: archiveName, missing: engineText(missing.length === 1 ? 'data.missingOne' : 'data.missingMany', { files }) }) +
        holds,
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, data] of found.files) files.set(name.split('/').slice(-1)[0], data);
  return files;
}

/** Parses batch files (as from `extractCifar10Files`, or read from disk) into training and test sets. */
export function cifar10FromFiles(files: Map<string, Uint8Array>, trainBatches = 5): Cifar10 {
  const get = (f: string) => {
    const data = files.get(f);
    if (!data) throw new DataFormatError(engineText('data.fileMissing', { name: f }));
    return data;
  };
  const train = concatImageSets(TRAIN_BATCH_FILES.slice(0, trainBatches).map((f) => parseCifar10Batch(get(f), f)));
  const test = parseCifar10Batch(get(TEST_BATCH_FILE), TEST_BATCH_FILE);
  const meta = files.get(META_FILE);
  return { train, test, classNames: meta ? parseClassNames(new TextDecoder().decode(meta)) : [...CIFAR10_CLASSES] };
}

/** The training and test sets in an archive (a dropped file streams; see extractCifar10Files). */
export async function readCifar10Archive(
  source: Blob | Uint8Array,
  archiveName = 'archive',
  trainBatches = 5,
  onProgress?: (fraction: number) => void,
): Promise<Cifar10> {
  const only = [...TRAIN_BATCH_FILES.slice(0, trainBatches), TEST_BATCH_FILE, META_FILE];
  return cifar10FromFiles(await extractCifar10Files(source, archiveName, { only, onProgress }), trainBatches);
}

/** Random pictures with random labels: what stands in for CIFAR-10 where it is not installed (and says so). */
export function randomImageSet(count: number): ImageSet {
  const rng = new Prng(7);
  return { count, images: Uint8Array.from({ length: count * IMAGE_BYTES }, () => rng.int(256)), labels: Uint8Array.from({ length: count }, () => rng.int(10)) };
}
