import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseCifar10Batch, RECORD_BYTES } from '../../engine/data/cifar10';
import { PRESETS } from '../../engine/model/spec';
import { Prng } from '../../engine/random/prng';
import { Trainer, TrainEvent } from '../../engine/train/trainer';
import type { GradientPool } from '../../engine/parallel/dataParallel';
import { nodeGradientPool } from '../../scripts/lib/nodeGradientPool';
import { createWasmBackend } from '../../scripts/lib/wasmKernels';

const rng = new Prng(12);
const bytes = new Uint8Array(40 * RECORD_BYTES);
for (let i = 0; i < bytes.length; i++) bytes[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
const set = parseCifar10Batch(bytes);
const config = {
  spec: PRESETS.tiny,
  epochs: 1,
  batchSize: 13, // shards of 4, 4 and 5: weighting by shard size matters
  optimizer: { type: 'adam' as const },
  seed: 8,
  augment: true,
  pruning: { finalSparsity: 0.5, startEpoch: 0, endEpoch: 0, layers: ['conv2'] },
};

const pools = {
  'shared memory': nodeGradientPool(2, PRESETS.tiny),
  messages: nodeGradientPool(2, PRESETS.tiny, { sharedMemory: false }),
  // Each worker its own instance of the wasm kernels; the run (and its update) on wasm here too.
  'wasm workers': nodeGradientPool(2, PRESETS.tiny, { backend: 'wasm' }),
};
afterAll(() => Promise.all(Object.values(pools).map((p) => p.close())));

/** A trainer on the pool's backend (moved to wasm for wasm workers). */
async function trainerFor(pool: GradientPool, overrides: Partial<typeof config> & { statsEverySteps?: number } = {}): Promise<Trainer> {
  const trainer = new Trainer({ ...config, ...overrides }, set, set);
  if (pool.backend === 'wasm') await trainer.moveTo(await createWasmBackend());
  return trainer;
}

describe.each(Object.entries(pools))('data-parallel training through %s', (_, pool) => {
  it('this thread and two workers give the same run as one thread, up to summation order', async () => {
    const single = await trainerFor(pool);
    const parallel = await trainerFor(pool);
    const compute = vi.spyOn(pool, 'compute');
    let shared = 0;
    for (let i = 0; i < 5; i++) {
      const a = await single.trainStep();
      const b = await parallel.trainStep({ pool });
      if (b.images > 1) shared++; // the epoch's last batch is a single image: this thread alone
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
      expect(b.batchAccuracy).toBe(a.batchAccuracy);
      expect(b.prunedTo).toBe(a.prunedTo);
      // The shards' cost counters add up to the whole batch's (dense MACs scale with images exactly).
      expect(b.cost.denseMacs).toBe(a.cost.denseMacs);
      expect(b.cost.idealMacs).toBe(a.cost.idealMacs);
      expect(b.cost.kernels).toEqual(a.cost.kernels);
    }
    expect(shared).toBe(4);
    expect(compute).toHaveBeenCalledTimes(shared); // every step that could be split went through the workers
    compute.mockRestore();
    await single.syncFromDevice();
    await parallel.syncFromDevice();
    const wa = single.model.weights();
    const wb = parallel.model.weights();
    for (const name of Object.keys(wa)) {
      const maxDiff = wa[name].reduce((m, v, i) => Math.max(m, Math.abs(v - wb[name][i])), 0);
      expect(maxDiff, name).toBeLessThan(1e-5);
    }
    // Pruned weights stay pruned with gradients from the workers too.
    expect(parallel.prunedSparsity().conv2).toBeCloseTo(0.5, 3);
  });

  it('layer stats from shards equal the one-thread stats: densities image-weighted, gradients combined', async () => {
    const statsOf = async (usePool: boolean) => {
      const trainer = await trainerFor(pool, { statsEverySteps: 2 });
      const events: TrainEvent[] = [];
      await trainer.run((e) => events.push(e), usePool ? pool : undefined);
      return events.flatMap((e) => (e.event === 'stats' ? [e] : []));
    };
    const single = await statsOf(false);
    const parallel = await statsOf(true);
    expect(parallel.map((e) => e.step)).toEqual([2, 4]);
    expect(parallel.map((e) => e.step)).toEqual(single.map((e) => e.step));
    parallel.forEach((e, k) =>
      e.layers.forEach((l, i) => {
        const s = single[k].layers[i];
        expect(l.layer).toBe(s.layer);
        expect(l.elementDensity).toBeCloseTo(s.elementDensity, 5);
        if (s.siteDensity !== null) expect(l.siteDensity).toBeCloseTo(s.siteDensity, 5);
        expect(l.weightSparsity).toBe(s.weightSparsity);
        if (s.gradNorm !== null) expect(Math.abs(l.gradNorm! - s.gradNorm) / s.gradNorm).toBeLessThan(1e-4);
        expect(l.gradDensity).toBe(s.gradDensity);
      }),
    );
    expect(parallel[0].layers.find((l) => l.layer === 'relu1')!.elementDensity).toBeLessThan(1);
  });

  it('a worker that fails names itself and the problem', async () => {
    const trainer = new Trainer(config, set, set);
    const x = new Float32Array(3 * 32 * 32);
    await expect(pool.compute(new Float32Array(5), [{ x, shape: [1, 3, 32, 32], labels: new Uint8Array([1]) }])).rejects.toThrow(
      /gradient worker 1: expected \d+ values, got 5/,
    );
    // The pool still works afterwards.
    await expect(trainer.trainStep({ pool })).resolves.toMatchObject({ images: 13 });
  });
});
