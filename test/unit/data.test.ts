import fc from 'fast-check';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../engine/data/batch';
import {
  CIFAR10_DIR,
  extractCifar10Files,
  IMAGE_BYTES,
  parseCifar10Batch,
  readCifar10Archive,
  RECORD_BYTES,
  TEST_BATCH_FILE,
  TRAIN_BATCH_FILES,
} from '../../engine/data/cifar10';
import { DataFormatError } from '../../engine/data/errors';
import { readTar, readTarStream, writeTar } from '../../engine/data/tar';
import { Prng } from '../../engine/random/prng';
import { findTestData, loadCifar10 } from '../../scripts/lib/cifar10Files';

/** A batch of `count` records whose pixels encode (record, byte) so every byte can be checked. */
function syntheticBatch(count: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(count * RECORD_BYTES);
  for (let r = 0; r < count; r++) {
    bytes[r * RECORD_BYTES] = (r + seed) % 10;
    for (let p = 0; p < IMAGE_BYTES; p++) bytes[r * RECORD_BYTES + 1 + p] = (r * 7 + p + seed) & 255;
  }
  return bytes;
}

function syntheticArchive(recordsPerBatch = 3): Uint8Array {
  const files = [...TRAIN_BATCH_FILES, TEST_BATCH_FILE].map((name, i) => ({
    name: `${CIFAR10_DIR}/${name}`,
    data: syntheticBatch(recordsPerBatch, i),
  }));
  files.push({ name: `${CIFAR10_DIR}/batches.meta.txt`, data: new TextEncoder().encode('a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n') });
  return new Uint8Array(gzipSync(writeTar(files))); // a copy: Buffer.slice would share memory
}

describe('CIFAR-10 batch parser', () => {
  it('splits records into labels and CHW pixels', () => {
    const set = parseCifar10Batch(syntheticBatch(4, 2));
    expect(set.count).toBe(4);
    expect(Array.from(set.labels)).toEqual([2, 3, 4, 5]);
    expect(set.images[IMAGE_BYTES * 3 + 5]).toBe((3 * 7 + 5 + 2) & 255);
  });

  it('names the problem: empty, truncated, wrong label', () => {
    expect(() => parseCifar10Batch(new Uint8Array(0), 'b.bin')).toThrow(/b.bin is empty/);
    expect(() => parseCifar10Batch(syntheticBatch(2, 0).subarray(0, RECORD_BYTES + 100), 'b.bin')).toThrow(
      /b.bin is not a CIFAR-10 batch: 3,173 bytes is not a whole number of 3,073-byte records \(1 whole records and 100 bytes left over/,
    );
    const bad = syntheticBatch(3, 0);
    bad[2 * RECORD_BYTES] = 42;
    expect(() => parseCifar10Batch(bad, 'b.bin')).toThrow(/record 2 has label 42, but CIFAR-10 labels are 0–9/);
  });

  it('never crashes on random bytes: it parses or throws a DataFormatError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3 * RECORD_BYTES + 10 }), (bytes) => {
        try {
          const set = parseCifar10Batch(bytes);
          expect(set.count * RECORD_BYTES).toBe(bytes.length);
        } catch (error) {
          expect(error).toBeInstanceOf(DataFormatError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('CIFAR-10 archive', () => {
  it('reads a .tar.gz with all batches and class names', async () => {
    const data = await readCifar10Archive(syntheticArchive(3), 'x.tar.gz');
    expect(data.train.count).toBe(15);
    expect(data.test.count).toBe(3);
    expect(data.classNames[9]).toBe('j');
    // The test batch is the sixth file: labels (r + 5) % 10.
    expect(Array.from(data.test.labels)).toEqual([5, 6, 7]);
  });

  it('reads an uncompressed tar too, and round-trips tar entries', async () => {
    const tar = writeTar([{ name: 'a/b.txt', data: new Uint8Array([1, 2, 3]) }]);
    expect(readTar(tar).map((e) => [e.name, Array.from(e.data)])).toEqual([['a/b.txt', [1, 2, 3]]]);
    const archive = new Uint8Array(gunzipSync(syntheticArchive(1)));
    expect((await readCifar10Archive(archive)).train.count).toBe(5);
  });

  it('explains what is wrong with a bad file', async () => {
    const good = syntheticArchive(2);
    await expect(readCifar10Archive(new TextEncoder().encode('hello, world'.repeat(100)), 'notes.txt')).rejects.toThrow(/notes.txt is not a tar archive/);
    await expect(readCifar10Archive(good.subarray(0, good.length - 40), 'cut.tar.gz')).rejects.toThrow(/cut.tar.gz is corrupt or truncated/);
    const corrupt = good.slice();
    for (let i = 100; i < 140; i++) corrupt[i] ^= 0x5a;
    await expect(readCifar10Archive(corrupt, 'bad.tar.gz')).rejects.toThrow(DataFormatError);
    const other = gzipSync(writeTar([{ name: 'photos/cat.jpg', data: new Uint8Array(10) }]));
    await expect(readCifar10Archive(other, 'photos.tar.gz')).rejects.toThrow(
      /photos.tar.gz is not the CIFAR-10 binary archive: .*data_batch_1.bin.* are missing \(it holds photos\/cat.jpg\)/,
    );
    const tar = new Uint8Array(gunzipSync(good));
    await expect(readCifar10Archive(tar.subarray(0, 5000), 'short.tar')).rejects.toThrow(/short.tar is truncated/);
  });

  it('never crashes on random or truncated archives: it reads or throws a DataFormatError', async () => {
    const good = syntheticArchive(1);
    const tar = new Uint8Array(gunzipSync(good));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 4000 }),
          fc.integer({ min: 0, max: good.length }).map((n) => good.subarray(0, n)),
          fc.integer({ min: 0, max: tar.length }).map((n) => tar.subarray(0, n)),
          fc.tuple(fc.integer({ min: 0, max: tar.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
            const t = tar.slice();
            t[i] = v;
            return t;
          }),
        ),
        async (bytes) => {
          try {
            await readCifar10Archive(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(DataFormatError);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the streaming tar reader', () => {
  /** A stream of `bytes` in chunks of the given sizes (cycled), as a file or a download arrives. */
  const chunked = (bytes: Uint8Array, sizes: number[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const n = sizes[i % sizes.length];
          controller.enqueue(bytes.slice(at, at + n));
          at += n;
        }
        controller.close();
      },
    });

  it('reads what readTar reads, however the bytes are chunked, keeping only the files asked for', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ name: fc.stringMatching(/^[a-z]{1,8}(\/[a-z]{1,8})?$/), data: fc.uint8Array({ maxLength: 1500 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.integer({ min: 1, max: 1300 }), { minLength: 1, maxLength: 6 }),
        async (entries, sizes) => {
          const tar = writeTar(entries);
          const expected = readTar(tar);
          const all = await readTarStream(chunked(tar, sizes).getReader(), 'x.tar', () => true);
          expect(all.names).toEqual(expected.map((e) => e.name));
          // A repeated name keeps its last entry's data (a Map of the expected entries, in order, keeps the same).
          for (const [name, data] of new Map(expected.map((e) => [e.name, e.data]))) expect(all.files.get(name)).toEqual(data);
          const first = expected[0].name;
          const some = await readTarStream(chunked(tar, sizes).getReader(), 'x.tar', (name) => name === first);
          expect([...some.files.keys()]).toEqual([first]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('streams a dropped file through gunzip: only the batches asked for are kept', async () => {
    const files = await extractCifar10Files(new Blob([syntheticArchive(2) as Uint8Array<ArrayBuffer>]), 'x.tar.gz', {
      only: ['data_batch_1.bin', 'test_batch.bin'],
    });
    expect([...files.keys()].sort()).toEqual(['data_batch_1.bin', 'test_batch.bin']);
    const progress: number[] = [];
    await extractCifar10Files(new Blob([syntheticArchive(2) as Uint8Array<ArrayBuffer>]), 'x.tar.gz', { onProgress: (f) => progress.push(f) });
    expect(progress[progress.length - 1]).toBe(1);
  });
});

describe('batches', () => {
  const set = parseCifar10Batch(syntheticBatch(6, 0));

  it('normalises per channel', () => {
    const { x, labels } = makeBatch(set, [1]);
    expect(x.shape).toEqual([1, 3, 32, 32]);
    expect(labels[0]).toBe(1);
    const pixel = set.images[IMAGE_BYTES + 1024 + 3]; // green, row 0, column 3
    expect(x.data[1024 + 3]).toBeCloseTo((pixel / 255 - 0.4822) / 0.2435, 5);
  });

  it('augments the same way for the same seed, and differently for another', () => {
    const a = makeBatch(set, [0, 1, 2, 3], { rng: new Prng(5), cropPadding: 4, flip: true });
    const b = makeBatch(set, [0, 1, 2, 3], { rng: new Prng(5), cropPadding: 4, flip: true });
    const c = makeBatch(set, [0, 1, 2, 3], { rng: new Prng(6), cropPadding: 4, flip: true });
    expect(a.x.data).toEqual(b.x.data);
    expect(a.x.data).not.toEqual(c.x.data);
  });

  it('a flip mirrors each row', () => {
    // Find a seed whose first draw flips without shifting, by trying seeds: shift = 0 ⇔ both crop draws give pad.
    const plain = makeBatch(set, [0]).x.data;
    for (let seed = 0; seed < 500; seed++) {
      const rng = new Prng(seed);
      const dy = rng.int(9) - 4;
      const dx = rng.int(9) - 4;
      const flip = rng.next() < 0.5;
      if (dy !== 0 || dx !== 0 || !flip) continue;
      const flipped = makeBatch(set, [0], { rng: new Prng(seed), cropPadding: 4, flip: true }).x.data;
      for (let j = 0; j < 32; j++) expect(flipped[5 * 32 + j]).toBe(plain[5 * 32 + 31 - j]);
      return;
    }
    throw new Error('no seed found');
  });
});

const dataPath = findTestData();

describe('real CIFAR-10', () => {
  // Needs the data set: installed by `npm run data`, or the shared copy beside the project.
  it.skipIf(!dataPath)('has 50,000 training and 10,000 test images, 1,000 test images a class', async () => {
    const data = await loadCifar10(dataPath!);
    expect(data.train.count).toBe(50_000);
    expect(data.test.count).toBe(10_000);
    const perClass = new Array(10).fill(0);
    for (const label of data.test.labels) perClass[label]++;
    expect(perClass).toEqual(new Array(10).fill(1000));
    expect(data.classNames).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  });
});
