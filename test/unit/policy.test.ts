import { describe, expect, it } from 'vitest';
import { parseCifar10Batch, RECORD_BYTES } from '../../engine/data/cifar10';
import { ModelSpec, PRESETS } from '../../engine/model/spec';
import { Prng } from '../../engine/random/prng';
import { Trainer } from '../../engine/train/trainer';
import { choosesSparse } from '../../engine/model/kernelChoice';

const rng = new Prng(9);
const bytes = new Uint8Array(48 * RECORD_BYTES);
for (let i = 0; i < bytes.length; i++) bytes[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
const set = parseCifar10Batch(bytes);
const base = { spec: PRESETS.tiny, epochs: 1, batchSize: 8, optimizer: { type: 'adam' as const }, seed: 3, augment: true };

describe('execution policy', () => {
  it('training with either sparse kernel follows the dense run (same losses and weights, up to summation order)', async () => {
    const dense = new Trainer({ ...base, policy: 'dense' }, set, set);
    const weightSparse = new Trainer({ ...base, policy: 'sparse' }, set, set);
    const cartesian = new Trainer({ ...base, policy: 'sparse' }, set, set);
    for (const layer of cartesian.model.convLayers()) layer.cartesianBelowInputDensity = 2; // always
    for (let i = 0; i < 6; i++) {
      const a = await dense.trainStep();
      expect(a.cost.kernels).toEqual({ conv1: 'dense', conv2: 'dense' });
      expect(a.cost.executedMacs).toBe(a.cost.denseMacs);
      for (const sparse of [weightSparse, cartesian]) {
        const b = await sparse.trainStep();
        expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-4);
        expect(b.cost.kernels).toEqual({ conv1: 'sparse', conv2: 'sparse' });
        // The same pairs are ideal whichever kernel runs.
        expect(b.cost.denseMacs).toBe(a.cost.denseMacs);
        expect(b.cost.idealMacs).toBe(a.cost.idealMacs);
      }
    }
    const convReports = (t: Trainer) => t.model.convLayers().map((l) => l.report!);
    expect(convReports(weightSparse).map((r) => r.kernelName)).toEqual(['weightSparse', 'weightSparse']);
    const reports = convReports(cartesian);
    expect(reports.map((r) => r.kernelName)).toEqual(['cartesian', 'cartesian']);
    // The Cartesian kernel multiplies only the ideal pairs; no padding taps, no zeros.
    for (const r of reports) expect(r.forward.executedMacs).toBe(r.forward.idealMacs);
    const wd = dense.model.weights();
    for (const sparse of [weightSparse, cartesian]) {
      const ws = sparse.model.weights();
      for (const name of Object.keys(wd)) {
        const maxDiff = wd[name].reduce((m, v, i) => Math.max(m, Math.abs(v - ws[name][i])), 0);
        expect(maxDiff, name).toBeLessThan(1e-4);
      }
    }
  });

  it('auto picks the sparse kernel only at or below the crossover, and says which it chose', async () => {
    // A normalised image is fully dense (density 1, above 0.99); after ReLU and pooling it is not.
    const always = new Trainer({ ...base, policy: 'auto', crossover: 0.99 }, set, set);
    expect((await always.trainStep()).cost.kernels).toEqual({ conv1: 'dense', conv2: 'sparse' });
    const never = new Trainer({ ...base, policy: 'auto', crossover: 0 }, set, set);
    expect((await never.trainStep()).cost.kernels).toEqual({ conv1: 'dense', conv2: 'dense' });
    const reports = never.model.reports();
    expect(reports.conv1.inputDensity).toBe(1);
    // tiny conv2: 16×8×3×3 weights, none zero; compressed = offsets of 8·9 + 1 groups + (value, index) per weight.
    expect(reports.conv2.bytes.weightsDense).toBe(4 * 1152);
    expect(reports.conv2.bytes.weightsCompressed).toBe(4 * (8 * 9 + 1) + 8 * 1152);
    // Its input, batch 8 × 8 × 16 × 16: per image 8 + 1 offsets, and (value, position) per nonzero.
    const nonzeros = Math.round(reports.conv2.inputDensity! * 8 * 8 * 16 * 16);
    expect(reports.conv2.bytes.inputCompressed).toBe(4 * 8 * 9 + 8 * nonzeros);
    expect(reports.conv2.inputDensity).toBeLessThan(reports.conv1.inputDensity!); // after ReLU and pooling
  });

  it('a convolution not behind a ReLU keeps its exact input gradient under the sparse policy', async () => {
    const spec: ModelSpec = {
      inputShape: [3, 32, 32],
      layers: [
        { type: 'conv2d', inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 },
        { type: 'conv2d', inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, stride: 2 },
        { type: 'relu' },
        { type: 'flatten' },
        { type: 'linear', inFeatures: 1024, outFeatures: 10 },
      ],
    };
    const dense = new Trainer({ ...base, spec, policy: 'dense' }, set, set);
    const sparse = new Trainer({ ...base, spec, policy: 'sparse' }, set, set);
    // Force the Cartesian kernel, whose backward skips zero inputs: behind no ReLU, the layer must not use it.
    for (const layer of sparse.model.convLayers()) layer.cartesianBelowInputDensity = 2;
    expect(sparse.model.convLayers().map((l) => l.inputIsRectified)).toEqual([false, false]);
    for (let i = 0; i < 3; i++) expect(Math.abs((await dense.trainStep()).loss - (await sparse.trainStep()).loss)).toBeLessThan(1e-4);
    const a = dense.model.weights()['conv1.weight'];
    const b = sparse.model.weights()['conv1.weight'];
    expect(a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)).toBeLessThan(1e-4);
  });
});

describe('a pruned fully connected layer', () => {
  const withHidden: ModelSpec = {
    inputShape: [3, 32, 32],
    layers: [
      ...PRESETS.tiny.layers.slice(0, -1),
      { type: 'linear', inFeatures: 1024, outFeatures: 32 },
      { type: 'relu' },
      { type: 'linear', inFeatures: 32, outFeatures: 10 },
    ],
  };
  const pruned = { ...base, spec: withHidden, pruning: { finalSparsity: 0.9, startEpoch: 0, endEpoch: 0, layers: ['fc1'] } };

  it('runs the CSR kernel under auto — a tenth of its dense multiplies — and trains as the dense kernel does', async () => {
    const dense = new Trainer({ ...pruned, policy: 'dense' }, set, set);
    const auto = new Trainer({ ...pruned, policy: 'auto', crossover: 0.1 }, set, set);
    // The masks are made after the first step: until then fc1 is dense and so is its kernel.
    expect((await dense.trainStep()).cost.layers.fc1.kernel).toBe('dense');
    expect((await auto.trainStep()).cost.layers.fc1.kernel).toBe('dense');
    for (let i = 0; i < 4; i++) {
      const a = await dense.trainStep();
      const b = await auto.trainStep();
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-4);
      expect(a.cost.layers.fc1.kernel).toBe('dense');
      expect(a.cost.layers.fc1.executedMacs).toBe(a.cost.layers.fc1.denseMacs);
      // fc1 is 90% zeros and about 70% of its input is nonzero: density product ≈ 0.07 ≤ the crossover.
      expect(b.cost.layers.fc1.kernel).toBe('sparse');
      expect(b.cost.layers.fc1.denseMacs).toBe(a.cost.layers.fc1.denseMacs);
      expect(b.cost.layers.fc1.idealMacs).toBe(a.cost.layers.fc1.idealMacs);
      expect(b.cost.layers.fc1.executedMacs / b.cost.layers.fc1.denseMacs).toBeCloseTo(0.1, 3);
      // The unpruned classifier stays dense; the totals still count the convolutions only.
      expect(b.cost.layers.fc2.kernel).toBe('dense');
      expect(b.cost.denseMacs).toBe(b.cost.layers.conv1.denseMacs + b.cost.layers.conv2.denseMacs);
    }
    const wd = dense.model.weights();
    const wa = auto.model.weights();
    for (const name of Object.keys(wd))
      expect(
        wd[name].reduce((m, v, i) => Math.max(m, Math.abs(v - wa[name][i])), 0),
        name,
      ).toBeLessThan(1e-4);
    // Pruned weights stay exactly zero with the sparse kernel too.
    expect(wa['fc1.weight'].filter((v) => v === 0).length).toBe(wd['fc1.weight'].filter((v) => v === 0).length);
  });
});

describe('the kernel rule', () => {
  it('is sparse under sparse, dense under dense, and under auto sparse exactly at and below the crossover', async () => {
    expect(choosesSparse('sparse', 0, 1, 1)).toBe(true);
    expect(choosesSparse('dense', 1, 0, 0)).toBe(false);
    expect(choosesSparse('auto', 0.1, 0.5, 0.2)).toBe(true); // 0.1: at the crossover
    expect(choosesSparse('auto', 0.1, 0.5, 0.21)).toBe(false);
    expect(choosesSparse('auto', 0, 0, 1)).toBe(true); // an all-zero input costs nothing sparse
  });
});
