/**
 * The cost lab's numbers: per-layer counters equal the engine's own (and brute-force counts), times come
 * from real runs, and the sweep's crossover follows its definition.
 */
import { describe, expect, it } from 'vitest';
import { measureLayerCosts } from '../../engine/cost/layerCost';
import type { Backend } from '../../engine/backend/backend';
import { cpuBackend } from '../../engine/backend/cpu/cpuBackend';
import { createWasmBackend } from '../../scripts/lib/wasmKernels';
import { crossoverOf, densitySweep, SweepPoint } from '../../engine/cost/sweep';
import { median } from '../../engine/cost/measure';
import { makeBatch } from '../../engine/data/batch';
import { parseCifar10Batch, RECORD_BYTES } from '../../engine/data/cifar10';
import { Model } from '../../engine/model/model';
import { PRESETS } from '../../engine/model/spec';
import { Prng } from '../../engine/random/prng';
import { magnitudeMasks, prunableParams } from '../../engine/sparse/pruning';
import { CostLab } from '../../engine/cost/costLab';
import { encodeCheckpoint } from '../../engine/train/checkpoint';
import { Trainer } from '../../engine/train/trainer';

const rng = new Prng(9);
const bytes = new Uint8Array(6 * RECORD_BYTES);
for (let i = 0; i < bytes.length; i++) bytes[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
const set = parseCifar10Batch(bytes);
const quick = { minMs: 0, minRepeats: 2 };

function prunedTiny(): Model {
  const model = new Model(PRESETS.tiny, 4);
  model.setMasks(magnitudeMasks(prunableParams(model.params(), ['conv2', 'fc1']), 0.9));
  model.setExecutionPolicy('auto', 0.3);
  return model;
}

describe('per-layer cost', () => {
  it('conv counters add up to exactly what a training step reports; times are measured', async () => {
    const model = prunedTiny();
    const batch = makeBatch(set, [0, 1, 2, 3, 4, 5]);
    const report = await measureLayerCosts(model, batch.x, batch.labels, quick);
    await model.lossAndGradients(batch.x, batch.labels);
    const step = model.stepCost();
    const convs = report.layers.filter((l) => l.type === 'conv2d');
    const sum = (key: 'denseMacs' | 'idealMacs' | 'executedMacs') => convs.reduce((s, l) => s + l.forward[key] + l.backward[key], 0);
    expect(sum('denseMacs')).toBe(step.denseMacs);
    expect(sum('idealMacs')).toBe(step.idealMacs);
    expect(sum('executedMacs')).toBe(step.executedMacs);
    expect(convs.map((l) => l.kernel)).toEqual(Object.values(step.kernels));
    expect(report.layers.map((l) => l.layer)).toEqual(['conv1', 'relu1', 'pool1', 'conv2', 'relu2', 'pool2', 'flatten1', 'fc1']);
    for (const l of report.layers) {
      expect(l.forward.cpuMs).toBeGreaterThan(0);
      expect(l.backward.cpuMs).toBeGreaterThanOrEqual(0);
    }
    const conv2 = report.layers[3];
    expect(conv2.weights!.nonzeros).toBe(Math.round(0.1 * conv2.weights!.count));
    expect(conv2.weights!.compressedBytes).toBeLessThan(conv2.weights!.denseBytes);
    // fc1 in CSR: an offset per row and one more, a value and a column per kept weight.
    const fc1 = report.layers[7].weights!;
    expect(fc1.compressedBytes).toBe(4 * (10 + 1) + 8 * fc1.nonzeros);
    // ReLU zeroes part of its input: its output compresses; a dense output would not.
    expect(report.layers[1].output.nonzeros).toBeLessThan(report.layers[0].output.nonzeros);
  });
});

const point = (inputDensity: number, weightDensity: number, ratio: number): SweepPoint => ({
  inputDensity,
  weightDensity,
  product: inputDensity * weightDensity,
  denseMs: 10,
  cartesianMs: 10 / ratio,
  weightSparseMs: 20 / ratio,
  denseMacs: 1,
  idealMacs: 1,
  repeats: 1,
});

describe('the sparsity sweep', () => {
  it('the crossover is the largest product at and below which sparse always wins by 10%', async () => {
    expect(crossoverOf([point(1, 1, 0.3), point(0.5, 1, 0.9), point(0.5, 0.5, 1.2), point(0.1, 1, 4), point(0.1, 0.1, 8)])).toBe(0.25);
    // A tie below a win pulls the crossover under it.
    expect(crossoverOf([point(0.5, 0.5, 1.5), point(0.1, 1, 1.05), point(0.01, 1, 3)])).toBe(0.01);
    expect(crossoverOf([point(1, 1, 0.5)])).toBe(0);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('measures a small grid for real: sparse wins where both operands are sparse, and the grid can be stopped', async () => {
    const seen: number[] = [];
    const result = await densitySweep(
      { inputDensities: [1, 0.05], weightDensities: [1, 0.05], batch: 2, timing: quick, seed: 1 },
      cpuBackend,
      (_, done, total) => seen.push(done / total),
    );
    expect(seen).toEqual([0.25, 0.5, 0.75, 1]);
    expect(result.points).toHaveLength(4);
    const sparsest = result.points.find((p) => p.inputDensity === 0.05 && p.weightDensity === 0.05)!;
    expect(sparsest.idealMacs).toBeLessThan(sparsest.denseMacs * 0.01);
    expect(sparsest.denseMs / Math.min(sparsest.cartesianMs, sparsest.weightSparseMs)).toBeGreaterThan(1.1);
    expect(result.crossover).toBeGreaterThanOrEqual(sparsest.product);
    // A backend that does not count Ω (a GPU) gets the same ideal MACs, counted on this thread.
    const uncounted = { ...cpuBackend, countsPairs: false, convPairs: () => null } as typeof cpuBackend;
    const again = await densitySweep({ inputDensities: [0.05], weightDensities: [0.05], batch: 2, timing: quick, seed: 1 }, uncounted);
    const counted = await densitySweep({ inputDensities: [0.05], weightDensities: [0.05], batch: 2, timing: quick, seed: 1 }, cpuBackend);
    expect(again.points[0].idealMacs).toBe(counted.points[0].idealMacs);
    expect(again.points[0].idealMacs).toBeGreaterThan(0);
    let calls = 0;
    const stopped = await densitySweep(
      { inputDensities: [1, 0.5], weightDensities: [1, 0.5], batch: 1, timing: quick, seed: 1 },
      cpuBackend,
      () => {},
      () => ++calls > 2,
    );
    expect(stopped.stopped).toBe(true);
    expect(stopped.points).toHaveLength(2);
    await expect(densitySweep({ inputDensities: [0], weightDensities: [1], batch: 1, timing: quick, seed: 1 }, cpuBackend)).rejects.toThrow(
      'input densities must be 1 to 8 numbers above 0 and at most 1',
    );
  });
});

describe('the cost lab in the worker', () => {
  it('measures a checkpoint’s own trained, pruned weights; refuses a file that is not one', async () => {
    const trainer = new Trainer(
      {
        spec: PRESETS.tiny,
        epochs: 1,
        batchSize: 3,
        optimizer: { type: 'adam' },
        seed: 2,
        augment: false,
        pruning: { finalSparsity: 0.8, startEpoch: 0, endEpoch: 0, layers: ['conv2'] },
      },
      set,
      set,
    );
    await trainer.trainStep();
    const bytes = encodeCheckpoint({
      savedAt: 'now',
      config: {
        preset: 'tiny',
        batchSize: 3,
        learningRate: 0.001,
        optimizer: 'adam',
        augment: false,
        seed: 2,
        epochs: 1,
        evalImages: 3,
        evalEverySteps: 0,
        trainImages: 3,
        workers: 1,
        backend: 'cpu',
        pruning: { to: 0.8, startEpoch: 0, endEpoch: 0, layers: ['conv2'] },
      },
      state: await trainer.checkpointNow(),
      history: [],
    });
    const wasm = await createWasmBackend();
    const lab = new CostLab(
      async () => set,
      async (name) => (name === 'wasm' ? { backend: wasm as unknown as Backend } : { reason: 'no GPU in this test' }),
    );
    const progress: string[] = [];
    const result = await lab.layerCosts(
      { model: { kind: 'checkpoint', bytes, fileName: 'run.scnn' }, batch: 4, crossover: 0.3, wasm: true, gpu: true, timing: quick, gpuRepeats: 1 },
      (p) => progress.push(p.label),
    );
    expect(result.model).toBe('run.scnn (step 1)');
    expect(result.images).toBe('the first 4 CIFAR-10 test images');
    expect(result.gpuNote).toBe('no GPU in this test');
    // Every layer timed in TypeScript and on WebAssembly SIMD, side by side.
    expect(result.wasmNote).toBeNull();
    for (const l of result.layers) for (const pass of [l.forward, l.backward]) expect(pass.wasmMs).toBeGreaterThan(0);
    const conv2 = result.layers.find((l) => l.layer === 'conv2')!;
    expect(conv2.weights!.nonzeros).toBe(
      trainer.model
        .params()
        .find((p) => p.name === 'conv2.weight')!
        .value.data.filter((v) => v !== 0).length,
    );
    expect(progress).toContain('CPU: fc1');
    expect(progress.at(-1)).toBe('WebAssembly SIMD: fc1');
    await expect(
      lab.layerCosts(
        {
          model: { kind: 'checkpoint', bytes: new Uint8Array(50), fileName: 'x.bin' },
          batch: 1,
          crossover: 0.1,
          wasm: false,
          gpu: false,
          timing: quick,
          gpuRepeats: 1,
        },
        () => {},
      ),
    ).rejects.toThrow('x.bin is not a Sparse CNN Lab checkpoint');
  });
});
