/**
 * What the app's engine worker holds: the data set and the current training run. The worker file only
 * exposes this through Comlink; the same class runs in Node tests.
 */
import { Cifar10, ImageSet, readCifar10Archive, takeImages } from '../data/cifar10';
import { cifar10BaseUrl, DataProgress, fetchCifar10, fetchCifar10Manifest } from '../data/fetchCifar10';
import { isPresetName, ModelSpec, PRESETS, PresetName } from '../model/spec';
import { GradientPool } from '../parallel/dataParallel';
import { MAX_WORKERS } from '../parallel/workerCount';
import { makeBatch } from '../data/batch';
import { activationOmega } from '../sparse/omega';
import { buildConvOperands, buildConvScene, ConvScene, ConvSceneParams } from '../trace/convScene';
import { sparseConv2dForward } from '../ops/sparseConv2d';
import { conv2dGeometry } from '../ops/conv2d';
import { tracePool } from '../trace/poolTrace';
import { traceConv2dBackward } from '../trace/convTrace';
import { reluForward } from '../ops/relu';
import { Prng } from '../random/prng';
import { Tensor } from '../tensor/tensor';
import { IMAGE_BYTES } from '../data/cifar10';
import { Backend, DoneEvent, TrainEvent, Trainer } from './trainer';
import { GpuAvailability, requestGpu } from '../backend/webgpu/device';

export interface DataSummary {
  trainImages: number;
  testImages: number;
  classNames: string[];
  source: string;
}

export interface SessionTrainConfig {
  preset: PresetName;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  augment: boolean;
  seed: number;
  epochs: number;
  /** Test images used for the periodic accuracy. */
  evalImages: number;
  evalEverySteps: number;
  /** Training images used (the rest of the loaded set is left out). */
  trainImages: number;
  /** Threads computing gradients: 1 trains in this thread; more split each batch (data parallel). */
  workers: number;
  /** Where to train: 'webgpu' falls back to the CPU (and says so) when there is no usable GPU. */
  backend: Backend;
  /**
   * Gradual magnitude pruning of the named layers to `to` zeros, from the start of epoch `startEpoch` to the
   * start of `endEpoch`; the conv layers then pick dense or sparse kernels by density (policy auto).
   */
  pruning?: { to: number; startEpoch: number; endEpoch: number; layers: string[] } | null;
}

/** What the session can use beyond this thread. */
export interface SessionResources {
  /** Starts gradient workers; without it every CPU run trains in this thread. */
  createPool?: GradientPoolFactory;
  /** `navigator.gpu` where there is one. */
  gpu?: GPU;
}

/** What the step-through convolves: a test image by index, a picture of the learner's, or (null) the built-in one. */
export type SceneSource = number | { image: Uint8Array; label: string } | { drawing: number[]; label: string } | null;

/** A square drawing (brightness 0…1 per cell, row by row) blown up to a 32×32 grey image, nearest cell. */
export function drawingToImage(drawing: number[]): Uint8Array {
  const side = Math.round(Math.sqrt(drawing.length));
  if (side * side !== drawing.length || side < 1 || side > 32) throw new RangeError(`a drawing must be a square of at most 32×32 cells, got ${drawing.length} cells`);
  const image = new Uint8Array(IMAGE_BYTES);
  for (let r = 0; r < 32; r++)
    for (let c = 0; c < 32; c++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, drawing[Math.floor((r * side) / 32) * side + Math.floor((c * side) / 32)] || 0)));
      for (let ch = 0; ch < 3; ch++) image[ch * 1024 + r * 32 + c] = v;
    }
  return image;
}

/** What the page shows about the GPU. */
export type GpuStatus = { available: true; adapter: string } | { available: false; reason: string };

/** Starts `size` gradient workers for a model; supplied by whoever can start threads here. */
export type GradientPoolFactory = (size: number, spec: ModelSpec) => GradientPool;


/** Ω of one layer's output for one image: where its nonzeros are, and how dense it is. */
export interface LayerActivationOmega {
  layer: string;
  type: string;
  /** [channels, height, width], or [features] after flatten. */
  shape: number[];
  elementDensity: number;
  siteDensity: number;
  nonzeros: number;
  /** Per channel: flat in-plane indices i·W + j of the nonzeros (one list for a flat layer). */
  perChannel: Int32Array[];
}

export interface SamplePredictions {
  /** count × 3,072 bytes, CHW: what the UI draws. */
  images: Uint8Array;
  labels: Uint8Array;
  predicted: Uint8Array;
  /** count × classes. */
  probs: Float32Array;
}

/** Per-layer densities and gradient norms for the charts, measured every this many steps. */
const STATS_EVERY_STEPS = 10;

/** Events are grouped and sent at most this often, so the page gets smooth charts without a message flood. */
const FLUSH_EVERY_MS = 100;

export class TrainingSession {
  private data: Cifar10 | null = null;
  private source = '';
  private trainer: Trainer | null = null;
  private evalSet: ImageSet | null = null;

  private gpuRequest: Promise<GpuAvailability> | null = null;
  /** The current run's loop, settled (never rejecting) once it ends. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly resources: SessionResources = {}) {}

  private gpuAvailability(): Promise<GpuAvailability> {
    this.gpuRequest ??= requestGpu(this.resources.gpu);
    return this.gpuRequest;
  }

  /** Whether WebGPU can be used here, and which adapter (asked once; a lost device is asked for again). */
  async gpuStatus(): Promise<GpuStatus> {
    const a = await this.gpuAvailability();
    return a.ok ? { available: true, adapter: a.adapter } : { available: false, reason: a.reason };
  }

  /** Whether `npm run data` installed the batches where the app serves them. */
  async installedDataAvailable(origin: string): Promise<boolean> {
    return (await fetchCifar10Manifest(cifar10BaseUrl(origin))) !== null;
  }

  async loadInstalled(origin: string, trainBatches: number, onProgress: (p: DataProgress) => void): Promise<DataSummary> {
    const base = cifar10BaseUrl(origin);
    const manifest = await fetchCifar10Manifest(base);
    if (!manifest) throw new Error('CIFAR-10 is not installed on this server (run `npm run data`)');
    this.data = await fetchCifar10(base, manifest, trainBatches, onProgress);
    this.source = 'installed';
    return this.summary();
  }

  /** Parses a dropped or picked cifar-10-binary.tar.gz. */
  async loadArchive(file: Blob & { name?: string }, trainBatches: number, onProgress: (p: DataProgress) => void): Promise<DataSummary> {
    const name = file.name ?? 'file';
    onProgress({ fraction: 0.05, message: `Reading ${name}` });
    const bytes = new Uint8Array(await file.arrayBuffer());
    onProgress({ fraction: 0.3, message: `Unpacking ${name}` });
    const data = await readCifar10Archive(bytes, name, trainBatches);
    onProgress({ fraction: 1, message: 'Ready' });
    this.data = data; // only replaced once the new file has been read completely
    this.source = name;
    return this.summary();
  }

  summary(): DataSummary {
    if (!this.data) throw new Error('no data loaded');
    return { trainImages: this.data.train.count, testImages: this.data.test.count, classNames: this.data.classNames, source: this.source };
  }

  /** Trains until done or stopped, sending events in groups through `onEvents`. */
  async train(config: SessionTrainConfig, onEvents: (events: TrainEvent[]) => void): Promise<DoneEvent> {
    if (!this.data) throw new Error('load CIFAR-10 before training');
    if (!isPresetName(config.preset)) throw new Error(`unknown preset "${config.preset}"`);
    if (this.trainer) {
      // Let the previous run finish its step, then free its GPU buffers: a new run starts from scratch.
      const previous = this.trainer;
      previous.stop();
      await this.running;
      previous.releaseGpu();
    }
    if (!(Number.isInteger(config.evalImages) && config.evalImages >= 1)) throw new RangeError(`test images must be a whole number ≥ 1, got ${config.evalImages}`);
    if (config.backend !== 'cpu' && config.backend !== 'webgpu') throw new RangeError(`backend must be cpu or webgpu, got ${config.backend}`);
    if (!(Number.isInteger(config.workers) && config.workers >= 1 && config.workers <= MAX_WORKERS)) {
      throw new RangeError(`workers must be a whole number from 1 to ${MAX_WORKERS}, got ${config.workers}`);
    }
    const train = takeImages(this.data.train, config.trainImages);
    this.evalSet = takeImages(this.data.test, config.evalImages);
    const trainer = new Trainer(
      {
        spec: PRESETS[config.preset],
        epochs: config.epochs,
        batchSize: config.batchSize,
        optimizer: config.optimizer === 'adam' ? { type: 'adam', lr: config.learningRate } : { type: 'sgd', lr: config.learningRate, momentum: 0.9 },
        seed: config.seed,
        augment: config.augment,
        evalEverySteps: config.evalEverySteps,
        statsEverySteps: STATS_EVERY_STEPS,
        ...(config.pruning
          ? {
              pruning: { finalSparsity: config.pruning.to, startEpoch: config.pruning.startEpoch, endEpoch: config.pruning.endEpoch, layers: config.pruning.layers },
              policy: 'auto' as const,
            }
          : {}),
        evalLimit: config.evalImages,
      },
      train,
      this.evalSet,
    );
    this.trainer = trainer;
    let pending: TrainEvent[] = [];
    let lastFlush = 0;
    let pool: GradientPool | undefined;
    if (config.backend === 'webgpu') {
      const a = await this.gpuAvailability();
      if (a.ok) {
        trainer.useGpu(a.gpu);
        // A lost device cannot come back: the next run asks for a new one.
        void a.gpu.device.lost.then(() => (this.gpuRequest = null));
      } else pending.push({ event: 'backend', backend: 'cpu', reason: a.reason, step: 0 });
    } else if (config.workers > 1 && this.resources.createPool) pool = this.resources.createPool(config.workers, PRESETS[config.preset]);
    try {
      const run = trainer.run((event) => {
        pending.push(event);
        const now = performance.now();
        if (event.event !== 'step' || now - lastFlush >= FLUSH_EVERY_MS) {
          onEvents(pending);
          pending = [];
          lastFlush = now;
        }
      }, pool);
      this.running = run.catch(() => undefined);
      const done = await run;
      if (pending.length) onEvents(pending);
      return done;
    } finally {
      await pool?.close();
    }
  }

  pause(): void {
    this.trainer?.pause();
  }

  resume(): void {
    this.trainer?.resume();
  }

  stop(): void {
    this.trainer?.stop();
  }

  stepOnce(): void {
    this.trainer?.stepOnce();
  }

  /** After a numerical fault: back to the last checkpoint (the run stays paused). Returns its step. */
  async rollback(): Promise<number> {
    if (!this.trainer) throw new Error('there is no run to roll back');
    return this.trainer.rollback();
  }

  /**
   * Test images for the step-through: the installed test batch (without the training batches), or what is
   * already loaded. Returns how many there are, or 0 when CIFAR-10 is not installed.
   */
  async loadTestImages(origin: string, onProgress: (p: DataProgress) => void): Promise<number> {
    if (!this.data) {
      const base = cifar10BaseUrl(origin);
      const manifest = await fetchCifar10Manifest(base);
      if (!manifest) return 0;
      this.data = await fetchCifar10(base, manifest, 0, onProgress);
      this.source = 'installed';
    }
    return this.data.test.count;
  }

  /**
   * The step-through's convolution on test image `index` (or, with no data, on a built-in picture), traced
   * by the engine. Also returns the image itself and its class, for the page to show.
   */
  convScene(source: SceneSource, params: ConvSceneParams): ConvScene & { image: Uint8Array; label: string } {
    const { image, label } = this.sceneImage(source);
    return { ...buildConvScene(image, params), image, label };
  }

  /** The picture a scene source stands for, and how to name it. */
  private sceneImage(source: SceneSource): { image: Uint8Array; label: string } {
    let image: Uint8Array;
    let label: string;
    const index = typeof source === 'number' ? source : null;
    if (source !== null && typeof source === 'object' && 'drawing' in source) {
      image = drawingToImage(source.drawing);
      label = source.label;
    } else if (source !== null && typeof source === 'object') {
      if (!(source.image instanceof Uint8Array) || source.image.length !== IMAGE_BYTES) throw new RangeError('a picture must be 32×32 RGB');
      image = source.image;
      label = source.label;
    } else if (index === null || !this.data) {
      image = builtInPicture();
      label = 'a built-in picture (CIFAR-10 is not loaded)';
    } else {
      const test = this.data.test;
      if (!(Number.isInteger(index) && index >= 0 && index < test.count)) throw new RangeError(`test image ${index} does not exist (there are ${test.count})`);
      image = test.images.slice(index * IMAGE_BYTES, (index + 1) * IMAGE_BYTES);
      label = this.data.classNames[test.labels[index]] ?? String(test.labels[index]);
    }
    return { image, label };
  }

  /**
   * What follows the step-through's convolution: the ReLU of its output pooled 2×2 (dense and sparse pool,
   * window by window), and sparse backpropagation from a seeded upstream gradient.
   */
  convFollowUp(source: SceneSource, params: ConvSceneParams) {
    const { x, w, b } = buildConvOperands(this.sceneImage(source).image, params);
    const y = sparseConv2dForward(x, w, b, { stride: params.stride, padding: params.padding }, params.mode).y;
    const g = conv2dGeometry(x.shape, w.shape, { stride: params.stride, padding: params.padding });
    const relu = reluForward(y);
    const pool = g.outH >= 2 && g.outW >= 2 ? { input: relu.data, trace: tracePool(relu, { kernelSize: 2, stride: 2 }) } : null;
    const rng = new Prng(params.seed + 100);
    const dy = new Tensor([1, g.outChannels, g.outH, g.outW]);
    for (let i = 0; i < dy.size; i++) dy.data[i] = Math.round(rng.normal() * 10) / 10;
    const backward = traceConv2dBackward(x, w, dy, { stride: params.stride, padding: params.padding }, params.mode);
    return { x: x.data, w: w.data, geometry: g, pool, dy: dy.data, backward };
  }

  /** Ω after every layer of the current model, for test image `index` of the evaluation set. */
  activationOmegas(index: number): LayerActivationOmega[] | null {
    if (!this.trainer || !this.evalSet) return null;
    if (!(Number.isInteger(index) && index >= 0 && index < this.evalSet.count)) {
      throw new RangeError(`test image ${index} does not exist (there are ${this.evalSet.count})`);
    }
    const { x } = makeBatch(this.evalSet, [index]);
    const model = this.trainer.model;
    return model.forwardTrace(x).map((out, i) => {
      const image = out.shape.length === 4 ? out : out.reshape([1, out.shape[1], 1, 1]);
      const omega = activationOmega(image);
      return {
        layer: model.layers[i].name,
        type: model.layers[i].spec.type,
        shape: out.shape.slice(1),
        elementDensity: omega.elementDensity,
        siteDensity: omega.siteDensity,
        nonzeros: omega.nonzeros,
        perChannel: out.shape.length === 4 ? omega.perChannel : [Int32Array.from(omega.perChannel.flatMap((l, c) => (l.length ? [c] : [])))],
      };
    });
  }

  /** Predictions of the current model on the first `count` images of the evaluation set. */
  /** The first conv layer's filters ([K, C, k, k] values) and how many are pruned, for the filter view. */
  firstFilters(): { shape: number[]; values: Float32Array; zeros: number } | null {
    const conv = this.trainer?.model.convLayers()[0];
    if (!conv) return null;
    const values = conv.weight.value.data.slice();
    return { shape: [...conv.weight.value.shape], values, zeros: values.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) };
  }

  /**
   * The confusion matrix of the current model on the evaluation images: counts[true·K + predicted], K
   * classes, in chunks of 100 images.
   */
  confusionMatrix(): { classes: number; counts: Int32Array; images: number } | null {
    if (!this.trainer || !this.evalSet) return null;
    const set = this.evalSet;
    const K = this.data?.classNames.length ?? 10;
    const counts = new Int32Array(K * K);
    for (let start = 0; start < set.count; start += 100) {
      const indices = Array.from({ length: Math.min(100, set.count - start) }, (_, i) => start + i);
      const { predicted } = this.trainer.predict(set, indices);
      indices.forEach((index, i) => counts[set.labels[index] * K + predicted[i]]++);
    }
    return { classes: K, counts, images: set.count };
  }

  samplePredictions(count: number): SamplePredictions | null {
    if (!this.trainer || !this.evalSet) return null;
    const set = takeImages(this.evalSet, count);
    const indices = Array.from({ length: set.count }, (_, i) => i);
    const { probs, predicted } = this.trainer.predict(set, indices);
    return { images: set.images.slice(), labels: set.labels.slice(), predicted, probs };
  }
}

/** A 32×32 picture (a bright disc on a dark ground with a bar) for when no CIFAR-10 image is at hand. */
function builtInPicture(): Uint8Array {
  const image = new Uint8Array(IMAGE_BYTES);
  for (let r = 0; r < 32; r++)
    for (let c = 0; c < 32; c++) {
      const disc = (r - 12) ** 2 + (c - 13) ** 2 < 64;
      const bar = r >= 22 && r < 27 && c >= 6 && c < 28;
      const v = disc ? 230 : bar ? 160 : 30 + ((r * 7 + c * 3) % 40);
      for (let ch = 0; ch < 3; ch++) image[ch * 1024 + r * 32 + c] = v;
    }
  return image;
}
