import { describe, expect, it } from 'vitest';
import { parseCifar10Batch, RECORD_BYTES } from '../../engine/data/cifar10';
import { Model } from '../../engine/model/model';
import { layerNames, layerParameterCount, ModelSpec, PRESETS, validateModelSpec } from '../../engine/model/spec';
import { conv2dCost, conv2dGeometry } from '../../engine/ops/conv2d';
import { Adam } from '../../engine/optim/optimizer';
import { createOptimizer } from '../../engine/optim/create';
import { Sgd } from '../../engine/optim/optimizer';
import { Prng } from '../../engine/random/prng';
import { Tensor } from '../../engine/tensor/tensor';
import { Trainer } from '../../engine/train/trainer';
import { randomTensor } from './helpers';

describe('model specs', () => {
  it('the seed preset is the source article’s SCNN', async () => {
    const shapes = validateModelSpec(PRESETS.seed);
    expect(shapes).toEqual([[32, 32, 32], [32, 32, 32], [32, 16, 16], [64, 16, 16], [64, 16, 16], [64, 8, 8], [4096], [128], [128], [10]]);
    expect(layerNames(PRESETS.seed)).toEqual(['conv1', 'relu1', 'pool1', 'conv2', 'relu2', 'pool2', 'flatten1', 'fc1', 'relu3', 'fc2']);
    const model = new Model(PRESETS.seed, 1);
    const counts = Object.fromEntries(model.params().map((p) => [p.name, p.value.size]));
    expect(counts).toEqual({
      'conv1.weight': 864,
      'conv1.bias': 32,
      'conv2.weight': 18432,
      'conv2.bias': 64,
      'fc1.weight': 524288,
      'fc1.bias': 128,
      'fc2.weight': 1280,
      'fc2.bias': 10,
    });
    // Forward MACs per image: 6,128,896 counting padding taps, 5,707,392 without.
    const c1 = conv2dCost(conv2dGeometry([1, 3, 32, 32], [32, 3, 3, 3], { stride: 1, padding: 1 }));
    const c2 = conv2dCost(conv2dGeometry([1, 32, 16, 16], [64, 32, 3, 3], { stride: 1, padding: 1 }));
    const fc = 4096 * 128 + 128 * 10;
    expect(c1.macs + c2.macs + fc).toBe(6_128_896);
    expect(c1.macsInsideImage + c2.macsInsideImage + fc).toBe(5_707_392);
  });

  it('the tiny preset has the shapes the issue names', async () => {
    expect(validateModelSpec(PRESETS.tiny).at(-1)).toEqual([10]);
    expect(validateModelSpec(PRESETS.tiny)[5]).toEqual([16, 8, 8]);
  });

  it('explains a spec that does not fit', async () => {
    const bad: ModelSpec = {
      inputShape: [3, 32, 32],
      layers: [{ type: 'conv2d', inChannels: 3, outChannels: 4, kernelSize: 3 }, { type: 'flatten' }, { type: 'linear', inFeatures: 100, outFeatures: 10 }],
    };
    expect(() => validateModelSpec(bad)).toThrow('layer 3 (fc1): expects 100 input features, gets 3600');
    const noFlatten: ModelSpec = { inputShape: [3, 8, 8], layers: [{ type: 'linear', inFeatures: 192, outFeatures: 10 }] };
    expect(() => validateModelSpec(noFlatten)).toThrow(/add a flatten layer/);
    const channels: ModelSpec = { inputShape: [3, 8, 8], layers: [{ type: 'conv2d', inChannels: 1, outChannels: 2, kernelSize: 3 }] };
    expect(() => validateModelSpec(channels)).toThrow('layer 1 (conv1): expects 1 input channels, gets 3 (shape [3, 8, 8])');
  });

  it('model gradients equal finite differences of the loss (float32, loose)', async () => {
    const spec: ModelSpec = {
      inputShape: [2, 6, 6],
      layers: [
        { type: 'conv2d', inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, stride: 1 },
        { type: 'relu' },
        { type: 'maxPool2d', kernelSize: 2 },
        { type: 'flatten' },
        { type: 'linear', inFeatures: 27, outFeatures: 4 },
      ],
    };
    const model = new Model(spec, 3);
    const x = randomTensor([2, 2, 6, 6], 9);
    const labels = [1, 3];
    await model.lossAndGradients(x, labels);
    const lossAt = async () => {
      const logits = await model.logits(x);
      let loss = 0;
      for (let n = 0; n < 2; n++) {
        const row = Array.from(logits.subarray(n * 4, n * 4 + 4));
        const max = Math.max(...row);
        loss += Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max - row[labels[n]];
      }
      return loss / 2;
    };
    for (const p of model.params()) {
      for (const i of [0, Math.floor(p.value.size / 2), p.value.size - 1]) {
        const saved = p.value.data[i];
        const h = 1e-3;
        p.value.data[i] = saved + h;
        const plus = await lossAt();
        p.value.data[i] = saved - h;
        const minus = await lossAt();
        p.value.data[i] = saved;
        expect(p.grad.data[i], `${p.name}[${i}]`).toBeCloseTo((plus - minus) / (2 * h), 2);
      }
    }
  });

  it('rejects weights of the wrong size by name', async () => {
    const model = new Model(PRESETS.tiny, 1);
    const w = model.weights();
    w['conv2.weight'] = new Float32Array(3);
    expect(() => model.setWeights(w)).toThrow('weights: "conv2.weight" has 3 values, the model needs 1152 ([16, 8, 3, 3])');
  });
});

describe('optimizers', () => {
  const param = (values: number[], grads: number[]) => ({ name: 'p', value: Tensor.from([values.length], values), grad: Tensor.from([grads.length], grads) });

  it('SGD with momentum follows v ← μv + g + λw, w ← w − ηv', async () => {
    const p = param([1, -2], [0.5, 0.25]);
    const sgd = new Sgd(0.1, 0.9, 0.01);
    sgd.step([p]);
    // v = g + λw = [0.51, 0.23]; w = [1 − 0.051, −2 − 0.023]
    expect(p.value.data[0]).toBeCloseTo(0.949, 6);
    expect(p.value.data[1]).toBeCloseTo(-2.023, 6);
    sgd.step([p]);
    // v = 0.9·[0.51, 0.23] + [0.5 + 0.00949, 0.25 − 0.02023]
    expect(p.value.data[0]).toBeCloseTo(0.949 - 0.1 * (0.459 + 0.50949), 5);
  });

  it('Adam’s first step moves each weight by lr against the sign of its gradient', async () => {
    const p = param([1, -2, 3], [0.5, -4, 1e-3]);
    new Adam(0.001).step([p]);
    expect(Array.from(p.value.data)).toEqual([1 - 0.001, -2 + 0.001, 3 - 0.001].map((v) => Math.fround(v)));
  });

  it('Adam matches a float64 re-computation over several steps', async () => {
    const p = param([0.3], [0]);
    const adam = new Adam(0.01, 0.9, 0.999, 1e-8, 0.1);
    let w = 0.3,
      m = 0,
      v = 0;
    for (let t = 1; t <= 5; t++) {
      const g = Math.sin(t) + 0.1 * w;
      p.grad.data[0] = Math.sin(t);
      adam.step([p]);
      m = 0.9 * m + 0.1 * g;
      v = 0.999 * v + 0.001 * g * g;
      w -= (0.01 * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
      expect(p.value.data[0]).toBeCloseTo(w, 5);
    }
  });

  it('rejects NaN and out-of-range hyperparameters with their names', async () => {
    expect(() => createOptimizer({ type: 'adam', lr: NaN })).toThrow(/learning rate must be a finite number/);
    expect(() => createOptimizer({ type: 'sgd', lr: 0.1, momentum: 1.5 })).toThrow(/momentum/);
    expect(() => createOptimizer({ type: 'adam', lr: -1 })).toThrow(/learning rate/);
  });
});

describe('determinism', () => {
  function syntheticSet(count: number) {
    const rng = new Prng(11);
    const bytes = new Uint8Array(count * RECORD_BYTES);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
    return parseCifar10Batch(bytes);
  }
  const set = syntheticSet(40);
  const config = { spec: PRESETS.tiny, epochs: 1, batchSize: 8, optimizer: { type: 'adam' as const }, seed: 7, augment: true };

  it('the same seed gives identical weights after N steps; another seed does not', async () => {
    const run = async (seed: number) => {
      const trainer = new Trainer({ ...config, seed }, set, set);
      for (let i = 0; i < 7; i++) await trainer.trainStep(); // crosses an epoch boundary (5 steps an epoch)
      return trainer.model.weights();
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    for (const name of Object.keys(a)) expect(a[name]).toEqual(b[name]);
    expect(a['conv1.weight']).not.toEqual(c['conv1.weight']);
  });

  it('the PRNG gives the same stream for the same seed', async () => {
    const a = new Prng(123);
    const b = new Prng(123);
    const xs = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(xs);
    expect(new Set(xs).size).toBe(100);
    const u = Array.from({ length: 10000 }, () => a.next());
    const mean = u.reduce((s, v) => s + v, 0) / u.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });

  it('pause holds the loop between batches; stop ends it', async () => {
    const trainer = new Trainer({ ...config, epochs: 50 }, set, set);
    const events: string[] = [];
    trainer.pause();
    const running = trainer.run((e) => events.push(e.event));
    await new Promise((r) => setTimeout(r, 30));
    expect(events).toEqual(['start', 'paused']); // it says it is holding, and trains nothing
    expect(trainer.currentStep).toBe(0);
    trainer.resume();
    await new Promise((r) => setTimeout(r, 30));
    trainer.stop();
    const done = await running;
    expect(done.stopped).toBe(true);
    expect(done.steps).toBeGreaterThan(0);
    expect(done.steps).toBeLessThan(250);
  });
});

describe('the layer-definition table', () => {
  const strided: ModelSpec = {
    inputShape: [3, 32, 32],
    layers: [
      { type: 'conv2d', inChannels: 3, outChannels: 6, kernelSize: 5, stride: 2, padding: 1 },
      { type: 'relu' },
      { type: 'maxPool2d', kernelSize: 3, stride: 2 },
      { type: 'flatten' },
      { type: 'linear', inFeatures: 6 * 7 * 7, outFeatures: 10 },
    ],
  };
  it.each([
    ['tiny', PRESETS.tiny],
    ['seed', PRESETS.seed],
    ['strided', strided],
  ])('gives %s the network’s own parameter counts and output shapes', async (_, spec) => {
    const model = new Model(spec, 1);
    const counts = model.layers.map((layer) => layer.params().reduce((sum, p) => sum + p.value.size, 0));
    expect(spec.layers.map(layerParameterCount)).toEqual(counts);
    // The shapes validateModelSpec derives from the table are the ones a forward pass produces.
    const shapes: number[][] = [];
    for (const out of await model.forwardTrace(new Tensor([2, ...spec.inputShape]))) shapes.push(out.shape.slice(1));
    expect(validateModelSpec(spec)).toEqual(shapes);
  });
  it('counts the seed model’s 545,098 parameters', async () => {
    expect(PRESETS.seed.layers.reduce((sum, l) => sum + layerParameterCount(l), 0)).toBe(3 * 32 * 9 + 32 + 32 * 64 * 9 + 64 + 4096 * 128 + 128 + 128 * 10 + 10);
  });
});
