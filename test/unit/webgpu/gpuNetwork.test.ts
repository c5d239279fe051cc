/** Training on the GPU follows training on the CPU: same spec, same initial weights, same batches. */
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuNetwork } from '../../../engine/backend/webgpu/gpuNetwork';
import { Gpu } from '../../../engine/backend/webgpu/gpu';
import { parseCifar10Batch, RECORD_BYTES } from '../../../engine/data/cifar10';
import { makeBatch } from '../../../engine/data/batch';
import { Model } from '../../../engine/model/model';
import { PRESETS } from '../../../engine/model/spec';
import { createOptimizer } from '../../../engine/optim/create';
import { OptimizerConfig } from '../../../engine/optim/optimizer';
import { applyMasks, magnitudeMasks, maskGradients, prunableParams } from '../../../engine/sparse/pruning';
import { Prng } from '../../../engine/random/prng';
import { relativeError } from '../helpers';
import { newTestGpu, testGpu } from './testGpu';
import { TrainEvent, Trainer } from '../../../engine/train/trainer';

let gpu: Gpu;
beforeAll(async () => {
  gpu = await testGpu();
});

const rng = new Prng(5);
const bytes = new Uint8Array(200 * RECORD_BYTES);
for (let i = 0; i < bytes.length; i++) bytes[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
const set = parseCifar10Batch(bytes);

async function compare(optimizer: OptimizerConfig, prune: number) {
  const model = new Model(PRESETS.tiny, 3);
  const cpuOptimizer = createOptimizer(optimizer);
  const pruned = prunableParams(model.params(), ['conv2', 'fc1']);
  const masks = prune > 0 ? magnitudeMasks(pruned, prune) : null;
  if (masks) applyMasks(pruned, masks);
  const net = new GpuNetwork(gpu, PRESETS.tiny, model.weights(), optimizer);
  if (masks) net.setMasks(masks);
  const losses: [number, number][] = [];
  const augment = new Prng(9);
  for (let step = 0; step < 20; step++) {
    const indices = Array.from({ length: 16 }, (_, i) => (step * 16 + i) % set.count);
    const batch = makeBatch(set, indices, { rng: augment, cropPadding: 4, flip: true });
    const cpu = model.lossAndGradients(batch.x, batch.labels);
    if (masks) maskGradients(pruned, masks);
    cpuOptimizer.step(model.params());
    const g = await net.trainStep(batch.x, batch.labels);
    expect(g.correct).toBeGreaterThanOrEqual(0);
    losses.push([cpu.loss, g.loss]);
  }
  return { model, net, losses };
}

describe('training on the GPU', () => {
  it('20 Adam steps of tiny follow the CPU: losses within 1e-3, weights close', async () => {
    const { model, net, losses } = await compare({ type: 'adam', lr: 0.001 }, 0);
    for (const [cpu, g] of losses) expect(Math.abs(cpu - g)).toBeLessThan(1e-3);
    expect(losses[19][0]).toBeLessThan(losses[0][0]); // it learned something: the comparison is not of two constants
    const weights = await net.readWeights();
    for (const [name, w] of Object.entries(model.weights())) expect(relativeError(weights[name], w), name).toBeLessThan(1e-3);
    net.destroy();
  });

  it('with conv2 and fc1 pruned to 80% (conv2 on the sparse kernels), SGD: the same, and pruned weights stay 0', async () => {
    const { model, net, losses } = await compare({ type: 'sgd', lr: 0.01, momentum: 0.9 }, 0.8);
    expect(net.kernels()).toEqual({ conv1: 'dense', conv2: 'sparse' });
    for (const [cpu, g] of losses) expect(Math.abs(cpu - g)).toBeLessThan(1e-3);
    const weights = await net.readWeights();
    const cpuWeights = model.weights();
    for (const name of ['conv2.weight', 'fc1.weight']) {
      const zeros = cpuWeights[name].reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
      expect(zeros / cpuWeights[name].length).toBeCloseTo(0.8, 2);
      for (let i = 0; i < cpuWeights[name].length; i++) if (cpuWeights[name][i] === 0) expect(weights[name][i] === 0).toBe(true);
    }
    net.destroy();
  });
});

describe('a training run on the GPU', () => {
  const trainConfig = {
    spec: PRESETS.tiny,
    epochs: 1,
    batchSize: 10,
    optimizer: { type: 'adam' as const },
    seed: 4,
    augment: true,
    pruning: { finalSparsity: 0.8, startEpoch: 0, endEpoch: 0.5, layers: ['conv2', 'fc1'], updates: 3 },
  };

  async function cpuLosses(steps: number) {
    const trainer = new Trainer(trainConfig, set, set);
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push(trainer.trainStep().loss);
    return { trainer, losses };
  }

  it('follows the CPU run, pruning included, and says it runs on the GPU', async () => {
    const trainer = new Trainer(trainConfig, set, set);
    trainer.useGpu(gpu);
    expect(trainer.backend).toBe('webgpu');
    const gpuLosses: number[] = [];
    for (let i = 0; i < 20; i++) gpuLosses.push((await trainer.trainStepGpu()).loss);
    const cpu = await cpuLosses(20);
    gpuLosses.forEach((loss, i) => expect(Math.abs(loss - cpu.losses[i]), `step ${i + 1}`).toBeLessThan(1e-3));
    await trainer.syncFromGpu();
    expect(trainer.prunedSparsity().conv2).toBeCloseTo(0.8, 2);
  });

  it('when the device is lost mid-run, it goes on on the CPU from where it was: no step lost', async () => {
    const own = await newTestGpu();
    const trainer = new Trainer({ ...trainConfig, epochs: 2 }, set, set);
    trainer.useGpu(own);
    const events: TrainEvent[] = [];
    let destroyed = false;
    const done = await trainer.run((e) => {
      events.push(e);
      if (e.event === 'step' && e.step === 12 && !destroyed) {
        destroyed = true;
        own.device.destroy();
      }
    });
    const switched = events.find((e) => e.event === 'backend');
    expect(switched).toMatchObject({ event: 'backend', backend: 'cpu', step: 12 });
    const steps = events.flatMap((e) => (e.event === 'step' ? [e.step] : []));
    expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1)); // 200 images / 10 × 2 epochs, each once
    expect(done).toMatchObject({ steps: 40, stopped: false });
    expect(trainer.backend).toBe('cpu');
    // And it is the same run: the losses follow a run that never left the CPU.
    const cpu = await cpuLosses(40);
    const losses = events.flatMap((e) => (e.event === 'step' ? [e.loss] : []));
    losses.forEach((loss, i) => expect(Math.abs(loss - cpu.losses[i]), `step ${i + 1}`).toBeLessThan(1e-3));
  });
});
