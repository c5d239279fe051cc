/**
 * A checkpoint is a file a learner opens: hostile until checked. Opening one (decode, build its run, restore
 * its state) either works or fails with one of the app's own messages — never another kind of error — and a
 * crafted file can never write onto Object.prototype. Random bytes, truncations, bit flips with the checksum
 * recomputed (so they reach the parser) and hostile headers, each through the whole import path.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CostLab } from '../../engine/cost/costLab';
import { DataFormatError } from '../../engine/data/errors';
import { checkCheckpointSize, crc32, decodeCheckpoint } from '../../engine/train/checkpoint';
import { SessionTrainConfig, TrainingSession } from '../../engine/train/session';
import { CheckpointMismatchError } from '../../engine/train/trainer';
import { sessionConfig, syntheticCifarArchive } from './helpers';

// The saving test's run, shorter, pruning conv2 from the start.
const config: SessionTrainConfig = { ...sessionConfig, epochs: 1, evalEverySteps: 2, pruning: { to: 0.5, startEpoch: 0, endEpoch: 0, layers: ['conv2'] } };

let session: TrainingSession;
let good: Uint8Array;

beforeAll(async () => {
  session = new TrainingSession();
  await session.loadArchive(syntheticCifarArchive(40), 1, () => {});
  await session.train(config, () => {});
  good = await session.exportCheckpoint('a');
});

interface Parts {
  header: Record<string, unknown>;
  data: Uint8Array;
}

/** A checkpoint's header (parsed) and its array bytes. */
function split(bytes: Uint8Array): Parts {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)));
  return { header, data: bytes.subarray(16 + Math.ceil(headerLength / 4) * 4, bytes.length - 4) };
}

/** A file with this header text and these array bytes, and a correct checksum: it reaches the parser. */
function assemble(headerText: string, data: Uint8Array): Uint8Array {
  const headerBytes = new TextEncoder().encode(headerText);
  const dataStart = 16 + Math.ceil(headerBytes.length / 4) * 4;
  const out = new Uint8Array(dataStart + data.length + 4);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode('SCNNCKPT'), 0);
  view.setUint32(8, 1, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  out.set(data, dataStart);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

function withHeader(
  change: (header: Record<string, unknown> & { arrays: { key: string; dtype: string; length: number; offset: number }[] }) => void,
): Uint8Array {
  const { header, data } = split(good);
  change(header as never);
  return assemble(JSON.stringify(header), data);
}

/** Recomputes a damaged file's checksum, so that damage inside it reaches the parser. */
function resealed(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  if (out.length >= 20) new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

/** Opens a file the way the page does; returns what happened: 'opened', or the refusal's message. */
async function open(bytes: Uint8Array): Promise<string> {
  try {
    await session.openCheckpoint('b', bytes, 'crafted.scnn');
    return 'opened';
  } catch (error) {
    if (!(error instanceof DataFormatError || error instanceof CheckpointMismatchError)) throw error;
    expect(error.message).toMatch(/^crafted\.scnn /);
    return error.message;
  } finally {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }
}

describe('a crafted checkpoint', () => {
  it('the good file opens (the harness works)', async () => {
    expect(await open(good)).toBe('opened');
  });

  it.each([
    ['optimizer:__proto__:0', 'f32'],
    ['optimizer:constructor:0', 'f32'],
    ['weight:__proto__', 'f32'],
    ['weight:constructor', 'f32'],
    ['mask:__proto__', 'u8'],
    ['optimizer:conv1.weight:7', 'f32'],
    ['bias:conv1.bias', 'f32'],
  ])('with an array named %s is refused, naming the key', async (key, dtype) => {
    const message = await open(withHeader((h) => h.arrays.push({ key, dtype, length: 4, offset: 0 })));
    expect(message).toContain(`"${key}"`);
  });

  it('with an array the model does not have, twice, or of the wrong length is refused', async () => {
    expect(await open(withHeader((h) => h.arrays.push({ key: 'weight:conv9.weight', dtype: 'f32', length: 4, offset: 0 })))).toMatch(
      /weights for conv9\.weight, which this model does not have/,
    );
    expect(await open(withHeader((h) => h.arrays.push({ key: 'optimizer:conv9.weight:0', dtype: 'f32', length: 4, offset: 0 })))).toMatch(
      /optimizer state for conv9\.weight/,
    );
    expect(await open(withHeader((h) => h.arrays.push({ ...h.arrays[0] })))).toMatch(/holds the array "weight:conv1\.weight" twice/);
    expect(await open(withHeader((h) => (h.arrays[0].length -= 1)))).toMatch(/conv1\.weight has 215 weights there, this model has 216/);
    expect(await open(withHeader((h) => (h.arrays.find((a) => a.key === 'optimizer:fc1.bias:1')!.length = 3)))).toMatch(
      /optimizer state for fc1\.bias does not fit Adam/,
    );
    expect(await open(withHeader((h) => (h.arrays = h.arrays.filter((a) => a.key !== 'optimizer:fc1.bias:0'))))).toMatch(
      /optimizer state of fc1\.bias has a buffer missing/,
    );
    expect(await open(withHeader((h) => (h.arrays = h.arrays.filter((a) => a.key !== 'order'))))).toMatch(/has no data order/);
  });

  it('with hostile header values is refused, naming the field', async () => {
    const cases: [(h: Record<string, never> & { arrays: { length: number; offset: number }[] }) => void, RegExp][] = [
      [(h) => (h.arrays[0].length = 1e12), /weight:conv1\.weight runs past the end/],
      [(h) => (h.arrays[0].offset = -4), /header\.arrays\[0\]\.offset/],
      [(h) => (h.arrays[0].length = 2.5), /header\.arrays\[0\]\.length/],
      [(h) => ((h.scalars as Record<string, unknown>).step = '7'), /header\.scalars\.step/],
      [(h) => ((h.scalars as Record<string, unknown>).trainSeconds = null), /header\.scalars\.trainSeconds/],
      [(h) => ((h.scalars as Record<string, { s: unknown[] }>).shuffle.s[1] = 'x'), /header\.scalars\.shuffle\.s\[1\]/],
      [(h) => ((h.config as Record<string, unknown>).workers = 1e9), /workers must be a whole number from 1 to/],
      [(h) => ((h.config as Record<string, unknown>).learningRate = -1), /does not fit here/],
      [(h) => ((h.config as Record<string, unknown>).preset = 'constructor'), /header\.config\.preset/],
      [
        (h) =>
          Object.assign(h.config, {
            preset: 'custom',
            spec: {
              inputShape: [3, 32, 32],
              layers: [
                { type: 'conv2d', inChannels: 3, outChannels: 4000, kernelSize: 31, padding: 15 },
                { type: 'flatten' },
                { type: 'linear', inFeatures: 4096000, outFeatures: 10 },
              ],
            },
          }),
        /parameters; keep it under 5,000,000/,
      ],
      [(h) => ((h as Record<string, unknown>).arrays = { length: 3 }), /header\.arrays/],
      [(h) => ((h as Record<string, unknown>).extra = 1), /header\.extra/],
    ];
    for (const [change, expected] of cases) expect(await open(withHeader(change as never))).toMatch(expected);
  });

  it('with __proto__ and constructor inside its JSON cannot reach Object.prototype', async () => {
    const { header, data } = split(good);
    const text = JSON.stringify(header);
    const hostile = [
      text.replace('"config":{', '"config":{"__proto__":{"polluted":1},'),
      text.replace('"scalars":{', '"scalars":{"__proto__":{"polluted":1},'),
      text.replace('"history":[', '"history":[{"event":"step","__proto__":{"polluted":1}},'),
      text.replace('"history":[', '"history":[{"event":"prune","step":1,"targetSparsity":0.5,"layers":{"__proto__":{"polluted":1}}},'),
      text.replace('"history":[', '"history":[{"event":"__proto__"},{"event":"constructor"},{"event":"toString"},'),
      text.replace('{', '{"__proto__":{"polluted":1},'),
    ];
    for (const headerText of hostile) {
      expect(headerText).not.toBe(text);
      const result = await open(assemble(headerText, data));
      // An event that does not fit is dropped, not refused: those files open without the bad events.
      if (result === 'opened') expect(headerText).toContain('"history":[{');
    }
  });

  it('of random bytes, cut short, or with bits flipped behind a fresh checksum: opened or refused with a message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => void (await open(bytes))),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: good.length }), async (end) => void (await open(resealed(good.subarray(0, end))))),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: good.length - 5 }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), async (flips) => {
        const bytes = good.slice();
        for (const [at, bit] of flips) bytes[at] ^= 1 << bit;
        await open(resealed(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('with any JSON put in place of a header field: opened or refused with a message', async () => {
    const { header, data } = split(good);
    const paths = [
      'config',
      'config.spec',
      'config.pruning',
      'config.pruning.layers',
      'scalars',
      'scalars.shuffle',
      'scalars.position',
      'history',
      'arrays',
      'savedAt',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.jsonValue(), async (path, value) => {
        const copy = structuredClone(header) as Record<string, unknown>;
        const keys = path.split('.');
        let target = copy as Record<string, unknown>;
        for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
        target[keys[keys.length - 1]] = value;
        await open(assemble(JSON.stringify(copy), data));
      }),
      { numRuns: 300 },
    );
  });

  it('far larger than any checkpoint: refused by its size, before it is read', () => {
    expect(() => checkCheckpointSize(300 * 2 ** 20, 'huge.scnn')).toThrow(
      'huge.scnn is 300 MB: a checkpoint of this app is far smaller (at most 256 MB), so it is not read',
    );
    expect(() => checkCheckpointSize(good.length, 'run.scnn')).not.toThrow();
  });

  it('decodes only into records without a prototype', () => {
    const state = decodeCheckpoint(good).state;
    expect(Object.getPrototypeOf(state.weights)).toBeNull();
    expect(Object.getPrototypeOf(state.optimizer.buffers)).toBeNull();
  });

  it('opened in the cost lab: measured, or refused with a message', async () => {
    const lab = new CostLab(
      async () => null,
      async () => ({ reason: 'no GPU in this test' }),
    );
    const measure = async (bytes: Uint8Array) => {
      try {
        await lab.layerCosts(
          {
            model: { kind: 'checkpoint', bytes, fileName: 'crafted.scnn' },
            batch: 1,
            crossover: 0.3,
            wasm: false,
            gpu: false,
            timing: { minMs: 0, minRepeats: 1 },
            gpuRepeats: 1,
          },
          () => {},
        );
      } catch (error) {
        if (!(error instanceof DataFormatError || error instanceof CheckpointMismatchError)) throw error;
        expect(error.message).toMatch(/crafted\.scnn/);
      } finally {
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
      }
    };
    await measure(withHeader((h) => h.arrays.push({ key: 'weight:__proto__', dtype: 'f32', length: 4, offset: 0 })));
    await measure(withHeader((h) => (h.arrays[0].length -= 1)));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: good.length - 5 }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 3 }), async (flips) => {
        const bytes = good.slice();
        for (const [at, bit] of flips) bytes[at] ^= 1 << bit;
        await measure(resealed(bytes));
      }),
      { numRuns: 40 },
    );
  });
});
