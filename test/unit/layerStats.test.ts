import { describe, expect, it } from 'vitest';
import { parseCifar10Batch, RECORD_BYTES } from '../../engine/data/cifar10';
import { PRESETS } from '../../engine/model/spec';
import { Prng } from '../../engine/random/prng';
import { activationOmega } from '../../engine/sparse/omega';
import { outputDensity } from '../../engine/model/layerStats';
import { TrainEvent, Trainer } from '../../engine/train/trainer';
import { randomTensor } from './helpers';

const rng = new Prng(21);
const bytes = new Uint8Array(60 * RECORD_BYTES);
for (let i = 0; i < bytes.length; i++) bytes[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
const set = parseCifar10Batch(bytes);

describe('layer stats for the training charts', () => {
  it('output densities agree with Ω', () => {
    const t = randomTensor([2, 3, 5, 4], 3, 0.6);
    const omega = activationOmega(t);
    expect(outputDensity(t)).toEqual({ elementDensity: omega.elementDensity, siteDensity: omega.siteDensity });
    expect(outputDensity(randomTensor([4, 7], 4, 0.5)).siteDensity).toBeNull();
  });

  it('come every N steps: ReLU sparsity, pruned weights, and gradients masked where pruned', async () => {
    const trainer = new Trainer(
      {
        spec: PRESETS.tiny,
        epochs: 1,
        batchSize: 10,
        optimizer: { type: 'adam' },
        seed: 2,
        augment: false,
        statsEverySteps: 2,
        pruning: { finalSparsity: 0.75, startEpoch: 0, endEpoch: 0, layers: ['conv2'] },
      },
      set,
      set,
    );
    const events: TrainEvent[] = [];
    await trainer.run((e) => events.push(e));
    const stats = events.flatMap((e) => (e.event === 'stats' ? [e] : []));
    expect(stats.map((s) => s.step)).toEqual([2, 4, 6]);
    const byName = Object.fromEntries(stats[0].layers.map((l) => [l.layer, l]));
    expect(Object.keys(byName)).toEqual(['conv1', 'relu1', 'pool1', 'conv2', 'relu2', 'pool2', 'flatten1', 'fc1']);
    expect(byName.conv1.elementDensity).toBeGreaterThan(0.99); // a conv of a normalised image: hardly any exact zero
    expect(byName.relu1.elementDensity).toBeGreaterThan(0.1);
    expect(byName.relu1.elementDensity).toBeLessThan(0.9); // ReLU made zeros
    expect(byName.relu1.siteDensity!).toBeGreaterThanOrEqual(byName.relu1.elementDensity);
    expect(byName.flatten1.siteDensity).toBeNull();
    expect(byName.conv2.weightSparsity).toBeCloseTo(0.75, 2);
    expect(byName.conv2.gradDensity!).toBeLessThanOrEqual(0.25 + 1e-9); // no gradient on pruned weights
    expect(byName.conv1.weightSparsity).toBe(0);
    expect(byName.fc1.gradNorm!).toBeGreaterThan(0);
    expect(byName.relu1.weightSparsity).toBeNull();
  });
});

describe('numerical faults', () => {
  it('a NaN loss pauses the run, names the likely cause, and rolls back to the last good checkpoint', async () => {
    const trainer = new Trainer(
      { spec: PRESETS.tiny, epochs: 30, batchSize: 6, optimizer: { type: 'sgd', lr: 1e12, momentum: 0.9 }, seed: 5, augment: false },
      set,
      set,
    );
    const events: TrainEvent[] = [];
    const run = trainer.run((e) => events.push(e));
    await expect.poll(() => events.some((e) => e.event === 'fault'), { timeout: 20_000 }).toBe(true);
    const fault = events.find((e) => e.event === 'fault')!;
    expect(fault).toMatchObject({ event: 'fault', rollbackTo: 0 });
    if (fault.event !== 'fault') throw new Error('unreachable');
    expect(fault.message).toMatch(/The loss became (NaN|infinite) at step \d+: the learning rate \(1000000000000\) is probably too high for SGD/);
    expect(trainer.isPaused).toBe(true);
    const steps = events.filter((e) => e.event === 'step').length;
    await new Promise((r) => setTimeout(r, 200));
    expect(events.filter((e) => e.event === 'step').length).toBe(steps); // it really stopped

    const initial = new Trainer(
      { spec: PRESETS.tiny, epochs: 30, batchSize: 6, optimizer: { type: 'sgd', lr: 1e12, momentum: 0.9 }, seed: 5, augment: false },
      set,
      set,
    );
    expect(await trainer.rollback()).toBe(0);
    expect(trainer.numericalFault).toBeNull();
    // Back at the start: the same weights as a fresh run with the same seed, all finite.
    const w = trainer.model.weights();
    for (const [name, values] of Object.entries(initial.model.weights())) expect(Array.from(w[name])).toEqual(Array.from(values));
    trainer.stop();
    await run;
  });
});
