import { gunzipSync } from 'node:zlib';
/**
 * The notebook's small figures: the zero census against a brute-force count, the N:M / channel masks, the
 * cost formula's exact count at full density, and the ONNX file of a pruned model.
 */
import { describe, expect, it } from 'vitest';
import { zeroCensus } from '../../engine/cost/zeroCensus';
import { IMAGE_BYTES } from '../../engine/data/cifar10';
import { makeBatch } from '../../engine/data/batch';
import { Model } from '../../engine/model/model';
import { PRESETS } from '../../engine/model/spec';
import { NotebookFigures } from '../../engine/notebook/figures';
import { Prng } from '../../engine/random/prng';
import { magnitudeMasks, prunableParams } from '../../engine/sparse/pruning';
import { channelMask, keptEnergy, nOfMMask, patternMask } from '../../engine/sparse/structured';
import { weightStorage } from '../../engine/sparse/storage';
import { gzip } from '../../engine/data/gzip';

const randomImages = (count: number) => {
  const rng = new Prng(3);
  return { count, images: Uint8Array.from({ length: count * IMAGE_BYTES }, () => rng.int(256)), labels: new Uint8Array(count) };
};

/** Ω of every conv and linear layer, counted the slowest, plainest way: every tap of every output. */
function bruteForceOmega(model: Model, x: Float32Array, outputs: { data: Float32Array; shape: readonly number[] }[]): number[] {
  const counts: number[] = [];
  let input: { data: Float32Array; shape: readonly number[] } = { data: x, shape: [1, ...model.spec.inputShape] };
  model.layers.forEach((layer, i) => {
    const spec = layer.spec;
    if (spec.type === 'conv2d') {
      const w = model.params().find((p) => p.name === `${layer.name}.weight`)!.value;
      const [, C, H, W] = input.shape;
      const { outChannels: K, kernelSize: R, padding = 0, stride = 1 } = spec;
      const Ho = Math.floor((H + 2 * padding - R) / stride) + 1;
      const Wo = Math.floor((W + 2 * padding - R) / stride) + 1;
      let n = 0;
      for (let k = 0; k < K; k++)
        for (let c = 0; c < C; c++)
          for (let r = 0; r < R; r++)
            for (let s = 0; s < R; s++) {
              if (w.data[((k * C + c) * R + r) * R + s] === 0) continue;
              for (let oh = 0; oh < Ho; oh++)
                for (let ow = 0; ow < Wo; ow++) {
                  const ih = oh * stride - padding + r;
                  const iw = ow * stride - padding + s;
                  if (ih >= 0 && ih < H && iw >= 0 && iw < W && input.data[(c * H + ih) * W + iw] !== 0) n++;
                }
            }
      counts.push(n);
    } else if (spec.type === 'linear') {
      const w = model.params().find((p) => p.name === `${layer.name}.weight`)!.value;
      let n = 0;
      for (let o = 0; o < spec.outFeatures; o++)
        for (let f = 0; f < spec.inFeatures; f++) if (w.data[o * spec.inFeatures + f] !== 0 && input.data[f] !== 0) n++;
      counts.push(n);
    }
    input = { data: outputs[i].data, shape: outputs[i].shape };
  });
  return counts;
}

describe('the zero census', () => {
  it('counts every layer’s multiplies and its Ω exactly (brute force), and pruning shrinks Ω', async () => {
    const model = new Model(PRESETS.tiny, 5);
    model.setMasks(magnitudeMasks(prunableParams(model.params(), ['conv2']), 0.7));
    const x = makeBatch(randomImages(1), [0]).x;
    const outputs = await model.forwardTrace(x);
    const census = await zeroCensus(model, x);
    expect(census.layers.map((l) => l.layer)).toEqual(['conv1', 'conv2', 'fc1']);
    expect(census.layers.map((l) => l.omegaMacs)).toEqual(bruteForceOmega(model, x.data, outputs));
    expect(census.layers[0].denseMacs).toBe(8 * 3 * 9 * 32 * 32);
    expect(census.layers[1].weightDensity).toBeCloseTo(0.3, 2);
    expect(census.omegaMacs).toBe(census.layers.reduce((s, l) => s + l.omegaMacs, 0));

    const dense = await zeroCensus(new Model(PRESETS.tiny, 5), x);
    expect(dense.denseMacs).toBe(census.denseMacs);
    expect(census.omegaMacs).toBeLessThan(dense.omegaMacs);
  });
});

describe('structured sparsity', () => {
  const rng = new Prng(9);
  const matrix = { values: Float32Array.from({ length: 16 * 36 }, () => rng.normal()), rows: 16, cols: 36 };

  it('N:M keeps exactly the N largest of every M weights at one tap of M consecutive input channels', async () => {
    // 16 filters of 4 channels × 9 taps: each group is one filter's tap t over channels 0–3.
    const conv = { ...matrix, taps: 9 };
    const mask = nOfMMask(conv, 2, 4);
    for (let r = 0; r < 16; r++) {
      for (let t = 0; t < 9; t++) {
        const group = [0, 1, 2, 3].map((c) => r * 36 + c * 9 + t);
        const kept = group.filter((i) => mask[i]);
        expect(kept).toHaveLength(2);
        const smallestKept = Math.min(...kept.map((i) => Math.abs(matrix.values[i])));
        const largestDropped = Math.max(...group.filter((i) => !mask[i]).map((i) => Math.abs(matrix.values[i])));
        expect(smallestKept).toBeGreaterThanOrEqual(largestDropped);
      }
    }
    // Not in C·R·S order: four consecutive weights of a row (taps of one channel) are not a group.
    expect(nOfMMask(matrix, 2, 4)).not.toEqual(mask);
    expect(() => nOfMMask({ ...matrix, taps: 12 }, 2, 4)).toThrow('a multiple of 4 input channels, got 3');
  });

  it('channel pruning drops whole filters, the ones with the smallest norm', async () => {
    const mask = channelMask(matrix, 0.25);
    const norm = (r: number) => Math.hypot(...matrix.values.slice(r * 36, (r + 1) * 36));
    const dropped = Array.from({ length: 16 }, (_, r) => r).filter((r) => mask[r * 36] === 0);
    expect(dropped).toHaveLength(4);
    for (const r of dropped) expect(mask.slice(r * 36, (r + 1) * 36).every((v) => v === 0)).toBe(true);
    const keptNorms = Array.from({ length: 16 }, (_, r) => r)
      .filter((r) => !dropped.includes(r))
      .map(norm);
    expect(Math.max(...dropped.map(norm))).toBeLessThanOrEqual(Math.min(...keptNorms));
  });

  it('at the same share of zeros, unstructured keeps the most of Σw², and whole filters the least here', async () => {
    for (const sparsity of [0.5, 0.75]) {
      const [free, nm, channel] = (['unstructured', 'nOfM', 'channel'] as const).map((p) => {
        const mask = patternMask(matrix, p, sparsity);
        expect(mask.reduce((n, v) => n + v, 0)).toBe(Math.round(matrix.values.length * (1 - sparsity)));
        return keptEnergy(matrix.values, mask);
      });
      expect(free).toBeGreaterThanOrEqual(nm);
      expect(nm).toBeGreaterThan(channel);
    }
  });
});

describe('the notebook figures', () => {
  const figures = new NotebookFigures({ testImages: async () => randomImages(4), trainedModel: () => null });

  it('the cost formula: at full density the exact |Ω| is the dense count minus the taps on the padding', async () => {
    const full = figures.omegaCheck({ inputDensity: 1, weightDensity: 1, seed: 1 });
    expect(full.denseMacs).toBe(64 * 32 * 9 * 16 * 16);
    // Per input–output channel pair, a 3×3 kernel with padding 1 on 16×16 meets (3·16 − 2)² real inputs.
    expect(full.omegaMacs).toBe(64 * 32 * 46 * 46);
    const half = figures.omegaCheck({ inputDensity: 0.5, weightDensity: 0.3, seed: 2 });
    expect(half.inputDensity).toBeCloseTo(0.5, 1);
    expect(half.omegaMacs / half.estimate).toBeGreaterThan(0.88);
    expect(half.omegaMacs / half.estimate).toBeLessThan(0.96);
  });

  it('the ONNX file keeps the pruned zeros, and compression is what makes it small', async () => {
    const dense = await figures.onnxFile({ source: 'initial', pruneTo: 0 });
    const pruned = await figures.onnxFile({ source: 'trained', pruneTo: 0.9 }); // nothing trained: initial weights
    expect(pruned.model.source).toBe('initial');
    const hidden = 64 * 32 * 9 + 128 * 4096; // conv2 and fc1 weights
    const biases = 32 + 64 + 128 + 10; // initialised to zero
    expect(pruned.zeros).toBe(Math.round(0.9 * hidden) + biases);
    expect(pruned.parameters).toBe(545_098);
    expect(Math.abs(pruned.bytes.length - dense.bytes.length)).toBeLessThan(1000);
    expect(dense.gzipBytes).toBeGreaterThan(0.8 * dense.bytes.length);
    expect(pruned.gzipBytes).toBeLessThan(0.25 * pruned.bytes.length);
    // The compressed size is that of a real gzip stream of the file.
    expect(gunzipSync(await gzip(pruned.bytes)).equals(Buffer.from(pruned.bytes))).toBe(true);
    expect((await gzip(pruned.bytes)).length).toBe(pruned.gzipBytes);
  });

  it('the census takes the asked test image and prunes the hidden layers', async () => {
    const census = await figures.census({ source: 'initial', pruneTo: 0.5, image: 2 });
    expect(census.image.index).toBe(2);
    expect(census.image.pixels).toEqual(randomImages(4).images.slice(2 * IMAGE_BYTES, 3 * IMAGE_BYTES));
    expect(census.model.prunedLayers).toEqual(['conv2', 'fc1']);
    expect(census.layers.find((l) => l.layer === 'fc1')!.weightDensity).toBeCloseTo(0.5, 3);
  });
});

describe('what the indices cost', () => {
  it('counts the bytes of conv2’s weights three ways, and where each compressed format stops paying', async () => {
    const figures = new NotebookFigures({ testImages: async () => null, trainedModel: () => null });
    const { shape, weights, curve, breakEven } = figures.storage({ layer: 'conv2' });
    expect(shape).toEqual([64, 32, 3, 3]);
    expect(weights).toBe(18_432);
    const full = curve[curve.length - 1];
    expect(full.density).toBe(1);
    expect(full.dense).toBe(4 * 18_432);
    // 32·3·3 + 1 group offsets, then a value and an index per nonzero; a bitmap of 18,432 bits, then the values.
    expect(full.compressed).toBe(4 * 289 + 8 * 18_432);
    expect(full.bitmap).toBe(18_432 / 8 + 4 * 18_432);
    // Break-even from the byte counts themselves: the last density at which each is no larger than dense.
    for (const format of ['compressed', 'bitmap'] as const) {
      const n = Math.round(breakEven[format] * 18_432);
      expect(weightStorage(shape, n)[format]).toBeLessThanOrEqual(4 * 18_432);
      expect(weightStorage(shape, n + 1)[format]).toBeGreaterThan(4 * 18_432);
    }
    expect(breakEven.compressed).toBeCloseTo(0.492, 3); // “below about half density”
    expect(breakEven.bitmap).toBeCloseTo(0.969, 3); // “up to nearly full density”
  });
});
