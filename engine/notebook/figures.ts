/**
 * The notebook's smaller live figures, computed where the engine runs (a worker in the page, Node in tests):
 * how many multiplies meet a zero (chapter 1), the cost formula |Ω| ≈ d_x·d_w·dense against the exact count
 * (chapter 3), the model as a file before and after pruning (chapter 6), and what structured sparsity keeps
 * (chapter 7). Each takes the seed model with its initial weights — or the one the learner trained in the
 * notebook — pruned by magnitude as asked.
 */
import { zeroCensus, ZeroCensus } from '../cost/zeroCensus';
import { randomTensor } from '../cost/sweep';
import { gzip } from '../data/gzip';
import { makeBatch } from '../data/batch';
import { ImageSet, IMAGE_BYTES, randomImageSet } from '../data/cifar10';
import { Model } from '../model/model';
import { layerNames, PRESETS } from '../model/spec';
import { exportOnnx } from '../onnx/exportOnnx';
import { conv2dCost, conv2dGeometry } from '../ops/conv2d';
import { sparseConv2dPairs } from '../ops/sparseConv2d';
import { Prng } from '../random/prng';
import { compressWeights } from '../sparse/weightPattern';
import { pruneHiddenLayers } from '../model/prunedLayers';
import { keptEnergy, patternMask, SPARSITY_PATTERNS, SparsityPattern } from '../sparse/structured';
import { weightStorageCurve } from '../sparse/storage';
import { Tensor } from '../tensor/tensor';

/** Whose weights a figure uses: the seed model as initialised, or the model trained in the notebook. */
export type WeightSource = 'initial' | 'trained';

export interface FigureModel {
  source: WeightSource;
  /** The model the weights belong to (the notebook may have trained tiny). */
  preset: string;
  /** Training steps behind the weights (0: initial). */
  step: number;
  /** The layers pruned by magnitude for the figure, and to what share of zeros. */
  prunedLayers: string[];
  pruneTo: number;
}

export interface FigureResources {
  /** CIFAR-10 test images, when loaded (else a random picture stands in, and the figure says so). */
  testImages: () => Promise<ImageSet | null>;
  /** The model trained in the notebook so far, if any. */
  trainedModel: () => { model: Model; step: number; preset: string } | null;
}

const INITIAL_SEED = 1;

export class NotebookFigures {
  constructor(private readonly resources: FigureResources) {}

  /** The model a figure asks for, pruned (on a copy) to `pruneTo` in its hidden layers. */
  private model(source: WeightSource, pruneTo: number): { model: Model; info: FigureModel } {
    if (!(pruneTo >= 0 && pruneTo < 1)) throw new RangeError(`pruning must be at least 0 and below 1, got ${pruneTo}`);
    const trained = source === 'trained' ? this.resources.trainedModel() : null;
    const model = trained?.model ?? new Model(PRESETS.seed, INITIAL_SEED);
    const prunedLayers = pruneHiddenLayers(model, pruneTo);
    return { model, info: { source: trained ? 'trained' : 'initial', preset: trained?.preset ?? 'seed', step: trained?.step ?? 0, prunedLayers, pruneTo } };
  }

  /** Chapter 1: one test image through the model, every multiply counted. */
  async census(request: {
    source: WeightSource;
    pruneTo: number;
    image: number;
  }): Promise<ZeroCensus & { model: FigureModel; image: { index: number; label: number | null; pixels: Uint8Array } }> {
    const { model, info } = this.model(request.source, request.pruneTo);
    const set = await this.resources.testImages();
    let images: ImageSet;
    let index = request.image;
    if (set && set.count > 0) {
      index = Math.min(set.count - 1, Math.max(0, Math.floor(request.image)));
      images = set;
    } else {
      images = randomImageSet(1);
      index = 0;
    }
    const batch = makeBatch(images, [index]);
    return {
      ...(await zeroCensus(model, batch.x)),
      model: info,
      image: { index, label: set && set.count > 0 ? set.labels[index] : null, pixels: images.images.slice(index * IMAGE_BYTES, (index + 1) * IMAGE_BYTES) },
    };
  }

  /**
   * Chapter 3: the seed model's conv2 (32 → 64 channels, 3×3, padding 1, on 16×16) with zeros placed at
   * random: the dense count, the formula's estimate d_x·d_w·dense, and |Ω| counted exactly.
   */
  omegaCheck(request: { inputDensity: number; weightDensity: number; seed: number }): {
    denseMacs: number;
    estimate: number;
    omegaMacs: number;
    inputDensity: number;
    weightDensity: number;
  } {
    const { inputDensity: dx, weightDensity: dw } = request;
    if (!(dx >= 0 && dx <= 1 && dw >= 0 && dw <= 1)) throw new RangeError(`densities must be between 0 and 1, got ${dx} and ${dw}`);
    const rng = new Prng(request.seed);
    const x = randomTensor([1, 32, 16, 16], rng, 1 - dx, true);
    const w = randomTensor([64, 32, 3, 3], rng, 1 - dw);
    const options = { stride: 1, padding: 1 };
    const denseMacs = conv2dCost(conv2dGeometry(x.shape, w.shape, options)).macs;
    const compressed = compressWeights(w);
    const actual = (t: Tensor) => t.data.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0) / t.size;
    const inputDensity = actual(x);
    const weightDensity = compressed.nonzeros / w.size;
    return { denseMacs, estimate: inputDensity * weightDensity * denseMacs, omegaMacs: sparseConv2dPairs(x, compressed, options), inputDensity, weightDensity };
  }

  /** Chapter 3: the bytes of a layer's weights at every density, dense and stored two compressed ways. */
  storage(request: { layer: string }) {
    // The layer's weight shape, read from the spec (no model needs building for it).
    const layer = PRESETS.seed.layers[layerNames(PRESETS.seed).indexOf(request.layer)];
    if (layer?.type !== 'conv2d') throw new RangeError(`the seed model has no convolution ${request.layer}`);
    const shape = [layer.outChannels, layer.inChannels, layer.kernelSize, layer.kernelSize];
    return { layer: request.layer, shape, weights: shape.reduce((a, b) => a * b, 1), ...weightStorageCurve(shape) };
  }

  /** Chapter 6: the model as an ONNX file — its size, gzip-compressed size, and how many weights are zero. */
  async onnxFile(request: {
    source: WeightSource;
    pruneTo: number;
  }): Promise<{ bytes: Uint8Array; gzipBytes: number; parameters: number; zeros: number; model: FigureModel }> {
    const { model, info } = this.model(request.source, request.pruneTo);
    const weights = model.weights();
    const description = `Sparse CNN Lab notebook: ${info.preset}, ${info.source === 'trained' ? `trained ${info.step} steps` : 'initial weights'}${info.prunedLayers.length ? `, ${info.prunedLayers.join(' and ')} pruned to ${Math.round(info.pruneTo * 100)}% zeros` : ''}`;
    const bytes = exportOnnx(model.spec, weights, { description });
    let parameters = 0;
    let zeros = 0;
    for (const values of Object.values(weights)) {
      parameters += values.length;
      for (const v of values) if (v === 0) zeros++;
    }
    return { bytes, gzipBytes: (await gzip(bytes)).length, parameters, zeros, model: info };
  }

  /**
   * Chapter 7: one layer's weights made `sparsity` zero three ways. Each pattern's mask and the weights'
   * magnitudes come back for the first `rows` × `cols` corner (enough to see the pattern), with the share of
   * the whole layer's Σw² each pattern keeps.
   */
  structure(request: { source: WeightSource; layer: string; sparsity: number; rows?: number; cols?: number }) {
    if (!(request.sparsity === 0.5 || request.sparsity === 0.75)) throw new RangeError(`the patterns compare 50% or 75% zeros, got ${request.sparsity}`);
    const { model, info } = this.model(request.source, 0);
    const param = model.params().find((p) => p.name === `${request.layer}.weight`);
    if (!param) throw new RangeError(`the model has no layer ${request.layer}`);
    const [rowsAll] = param.value.shape;
    const colsAll = param.value.size / rowsAll;
    // A convolution's weights per input channel: its R·S taps (N:M groups the same tap across channels).
    const taps = param.value.shape.slice(2).reduce((a, b) => a * b, 1);
    const matrix = { values: param.value.data, rows: rowsAll, cols: colsAll, taps };
    const rows = Math.min(rowsAll, request.rows ?? 32);
    const cols = Math.min(colsAll, request.cols ?? 72);
    const corner = (a: ArrayLike<number>, out: Float32Array | Uint8Array) => {
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = a[r * colsAll + c];
      return out;
    };
    const patterns = SPARSITY_PATTERNS.map((pattern: SparsityPattern) => {
      const mask = patternMask(matrix, pattern, request.sparsity);
      return { pattern, keptEnergy: keptEnergy(matrix.values, mask), mask: corner(mask, new Uint8Array(rows * cols)) as Uint8Array };
    });
    const magnitudes = corner(Array.from(matrix.values, Math.abs), new Float32Array(rows * cols)) as Float32Array;
    return { layer: request.layer, shape: [...param.value.shape], rows, cols, magnitudes, patterns, model: info };
  }
}
