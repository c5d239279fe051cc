import { describe, expect, it } from 'vitest';
import { parseCifar10Batch, RECORD_BYTES } from '../../engine/data/cifar10';
import { Model } from '../../engine/model/model';
import { PRESETS } from '../../engine/model/spec';
import { Adam } from '../../engine/optim/optimizer';
import { Prng } from '../../engine/random/prng';
import { magnitudeMasks, prunableParams, scheduledSparsity } from '../../engine/sparse/pruning';
import { Tensor } from '../../engine/tensor/tensor';
import { Trainer, TrainEvent } from '../../engine/train/trainer';

const param = (name: string, values: number[]) => ({ name, value: Tensor.from([values.length], values), grad: new Tensor([values.length]) });

describe('magnitude pruning', () => {
  it('removes exactly the smallest magnitudes, ties in index order', async () => {
    const p = param('fc1.weight', [0.5, -0.1, 0.3, -0.3, 0.1, 2]);
    const mask = magnitudeMasks([p], 0.5).get('fc1.weight')!;
    // |w| = .5 .1 .3 .3 .1 2 → the three smallest: .1 (1), .1 (4), then the first .3 (2).
    expect(Array.from(mask)).toEqual([1, 0, 0, 1, 0, 1]);
  });

  it('per layer prunes each layer to the target; global shares one threshold', async () => {
    const small = param('a.weight', [0.01, 0.02, 0.03, 0.04]);
    const large = param('b.weight', [1, 2, 3, 4]);
    const perLayer = magnitudeMasks([small, large], 0.5, 'layer');
    expect(Array.from(perLayer.get('a.weight')!)).toEqual([0, 0, 1, 1]);
    expect(Array.from(perLayer.get('b.weight')!)).toEqual([0, 0, 1, 1]);
    const global = magnitudeMasks([small, large], 0.5, 'global');
    expect(Array.from(global.get('a.weight')!)).toEqual([0, 0, 0, 0]);
    expect(Array.from(global.get('b.weight')!)).toEqual([1, 1, 1, 1]);
  });

  it('selects layers by name and names unknown ones', async () => {
    const model = new Model(PRESETS.seed, 1);
    expect(prunableParams(model.params(), ['conv2', 'fc1']).map((p) => p.name)).toEqual(['conv2.weight', 'fc1.weight']);
    expect(prunableParams(model.params()).map((p) => p.name)).toEqual(['conv1.weight', 'conv2.weight', 'fc1.weight', 'fc2.weight']);
    expect(() => prunableParams(model.params(), ['conv3'])).toThrow("cannot prune conv3: the model's prunable layers are conv1, conv2, fc1, fc2");
  });

  it('follows Zhu & Gupta’s cubic schedule', async () => {
    const s = { initialSparsity: 0, finalSparsity: 0.8, startStep: 100, endStep: 200 };
    expect(scheduledSparsity(50, s)).toBe(0);
    expect(scheduledSparsity(100, s)).toBe(0);
    expect(scheduledSparsity(150, s)).toBeCloseTo(0.8 - 0.8 / 8, 12); // (1 − ½)³ = ⅛
    expect(scheduledSparsity(200, s)).toBe(0.8);
    expect(scheduledSparsity(500, s)).toBe(0.8);
    // No length: one-shot pruning at the start step.
    expect(scheduledSparsity(100, { ...s, endStep: 100 })).toBe(0.8);
  });
});

describe('gradual pruning during training', () => {
  const rng = new Prng(4);
  const bytes = new Uint8Array(64 * RECORD_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
  const set = parseCifar10Batch(bytes);

  it('reaches the target, and pruned weights and their Adam moments stay exactly zero for 100 more steps', async () => {
    const trainer = new Trainer(
      {
        spec: PRESETS.tiny,
        epochs: 16,
        batchSize: 8,
        optimizer: { type: 'adam', lr: 0.01, weightDecay: 1e-3 },
        seed: 5,
        augment: true,
        pruning: { finalSparsity: 0.9, startEpoch: 1, endEpoch: 3, layers: ['conv2', 'fc1'], updates: 4 },
      },
      set,
      set,
    );
    const events: TrainEvent[] = [];
    // 8 steps an epoch: the schedule runs from step 8 to step 24.
    for (let i = 0; i < 28; i++) {
      const r = await trainer.trainStep();
      if (r.prunedTo !== null) events.push({ event: 'prune', step: trainer.currentStep, targetSparsity: r.prunedTo, layers: {} });
    }
    // Updates every 4 steps at steps 8, 12, 16, 20, 24 (reported after the step), s_t = 0.9·(1 − (1 − (t − 8)/16)³).
    const expected = [8, 12, 16, 20, 24].map((t) => [t + 1, +(0.9 * (1 - (1 - (t - 8) / 16) ** 3)).toFixed(4)]);
    expect(events.map((e) => (e.event === 'prune' ? [e.step, +e.targetSparsity.toFixed(4)] : null))).toEqual(expected);
    const sparsity = trainer.prunedSparsity();
    expect(sparsity.conv2).toBeCloseTo(0.9, 3);
    expect(sparsity.fc1).toBeCloseTo(0.9, 3);

    const pruned = trainer.model.params().filter((p) => p.name === 'conv2.weight' || p.name === 'fc1.weight');
    const zerosBefore = pruned.map((p) => Array.from(p.value.data, (v, i) => (v === 0 ? i : -1)).filter((i) => i >= 0));
    const conv1Before = trainer.model.params()[0].value.data.slice();
    for (let i = 0; i < 100; i++) await trainer.trainStep();
    const adam = trainer.optimizer as Adam;
    pruned.forEach((p, t) => {
      const [m, v] = adam.buffers(p.name)!.map((t) => t.data);
      for (const i of zerosBefore[t]) {
        expect(p.value.data[i]).toBe(0);
        expect(m[i]).toBe(0);
        expect(v[i]).toBe(0);
      }
    });
    // Unpruned layers keep learning.
    expect(trainer.model.params()[0].value.data).not.toEqual(conv1Before);
  });
});
