/**
 * ONNX export: the file is a valid model that ONNX Runtime (onnxruntime-web's WebAssembly backend, here in
 * Node) loads, and its outputs equal the engine's on real CIFAR-10 test images within 1e-4.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { makeBatch } from '../../engine/data/batch';
import { IMAGE_BYTES, ImageSet, takeImages } from '../../engine/data/cifar10';
import { Model } from '../../engine/model/model';
import { ModelSpec, PRESETS } from '../../engine/model/spec';
import { exportOnnx, ONNX_INPUT } from '../../engine/onnx/exportOnnx';
import { Prng } from '../../engine/random/prng';
import { magnitudeMasks, prunableParams } from '../../engine/sparse/pruning';
import { findTestData, loadCifar10 } from '../../scripts/lib/cifar10Files';
import { relativeError } from './helpers';

ort.env.wasm.numThreads = 1;

/** The engine's logits and softmax for a set of images. */
function engineOutputs(model: Model, set: ImageSet): Promise<Float32Array> {
  return model.logits(
    makeBatch(
      set,
      Array.from({ length: set.count }, (_, i) => i),
    ).x,
  );
}

async function onnxOutputs(bytes: Uint8Array, set: ImageSet) {
  const session = await ort.InferenceSession.create(bytes);
  const pixels = Float32Array.from(set.images); // raw 0–255: the graph normalises
  const feeds = { [ONNX_INPUT]: new ort.Tensor('float32', pixels, [set.count, 3, 32, 32]) };
  const out = await session.run(feeds);
  await session.release();
  return { logits: out.logits.data as Float32Array, probabilities: out.probabilities.data as Float32Array, dims: out.logits.dims };
}

function prunedModel(spec: ModelSpec, seed: number): Model {
  const model = new Model(spec, seed);
  // Perturb the biases (they start at zero) so a wrong bias layout would show.
  const rng = new Prng(seed + 7);
  for (const p of model.params()) if (p.name.endsWith('.bias')) for (let i = 0; i < p.value.size; i++) p.value.data[i] = 0.1 * rng.normal();
  model.setMasks(magnitudeMasks(prunableParams(model.params(), ['conv2', 'fc1']), 0.9, 'layer'));
  return model;
}

function randomImages(count: number, seed: number): ImageSet {
  const rng = new Prng(seed);
  const images = Uint8Array.from({ length: count * IMAGE_BYTES }, () => Math.floor(rng.next() * 256));
  return { count, images, labels: new Uint8Array(count) };
}

const dataPath = findTestData();

describe('ONNX export', () => {
  it('runs in ONNX Runtime with the engine outputs (tiny, stride 2 and no padding too, random pixels)', async () => {
    const spec: ModelSpec = {
      inputShape: [3, 32, 32],
      layers: [
        { type: 'conv2d', inChannels: 3, outChannels: 5, kernelSize: 3, stride: 2 },
        { type: 'relu' },
        { type: 'maxPool2d', kernelSize: 3, stride: 2 },
        { type: 'conv2d', inChannels: 5, outChannels: 6, kernelSize: 2, padding: 1 },
        { type: 'relu' },
        { type: 'flatten' },
        { type: 'linear', inFeatures: 6 * 8 * 8, outFeatures: 7 },
      ],
    };
    const model = prunedModel(spec, 3);
    const set = randomImages(9, 4);
    const ours = await engineOutputs(model, set);
    const onnx = await onnxOutputs(exportOnnx(spec, model.weights()), set);
    expect(onnx.dims).toEqual([9, 7]);
    expect(relativeError(onnx.logits, ours)).toBeLessThan(1e-4);
  });

  it.skipIf(!dataPath)('the pruned seed model equals the engine within 1e-4 on 100 CIFAR-10 test images', async () => {
    const data = await loadCifar10(dataPath!, 0);
    const set = takeImages(data.test, 100);
    const model = prunedModel(PRESETS.seed, 1);
    const ours = await engineOutputs(model, set);
    const onnx = await onnxOutputs(exportOnnx(PRESETS.seed, model.weights(), { description: 'test' }), set);
    expect(onnx.dims).toEqual([100, 10]);
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(onnx.logits[i] - ours[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    // The probabilities are the softmax of those logits.
    for (let n = 0; n < 100; n++) {
      const row = onnx.probabilities.subarray(n * 10, n * 10 + 10);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  it('names a weight that does not fit the spec', async () => {
    const model = new Model(PRESETS.tiny, 1);
    const weights = model.weights();
    weights['conv2.weight'] = new Float32Array(5);
    expect(() => exportOnnx(PRESETS.tiny, weights)).toThrow(/conv2\.weight.*5 values/);
  });
});
