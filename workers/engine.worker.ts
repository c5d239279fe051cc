/// <reference lib="webworker" />
/**
 * The engine worker: a thin Comlink facade over engine/TrainingSession. Everything numeric happens here,
 * off the page's main thread.
 */
import * as Comlink from 'comlink';
import type { DataProgress } from '../engine/data/fetchCifar10';
import type { TrainEvent } from '../engine/train/trainer';
import { RunId, SessionTrainConfig, TrainingSession } from '../engine/train/session';
import { convFollowUp, convSceneOf, SceneSource } from '../engine/trace/stepThrough';
import type { ConvSceneParams } from '../engine/trace/convSceneParams';
import { browserEvaluator, browserGradientPool } from './browserGradientPool';
import { indexedDbCheckpoints } from './indexedDbCheckpoints';
import { createBrowserWasmBackend } from './wasmBackend';
import { indexedDbCrossovers } from './indexedDbCrossovers';
import { CrossoverCalibration, CrossoverMeasurement } from '../engine/cost/calibration';
import type { BackendName } from '../engine/backend/backend';
import { CostLab, CostProgress, LayerCostRequest, RooflineRequest } from '../engine/cost/costLab';
import type { SweepOptions, SweepPoint } from '../engine/cost/sweep';
import { EngineLocale, engineText, setEngineLocale } from '../engine/text/engineText';
import { NotebookFigures, WeightSource } from '../engine/notebook/figures';
import { centreSquare, MAX_PICTURE_PIXELS, PICTURE_HEADER_BYTES, pictureSize } from '../engine/data/pictureSize';
import { checkCheckpointSize } from '../engine/train/checkpoint';
import { checkCardSize, parseExperimentCard } from '../engine/train/experimentCard';

/** Each backend's crossover on this device, measured the first time a pruned run needs it, kept in IndexedDB. */
const crossovers = new CrossoverCalibration(indexedDbCrossovers());
const session = new TrainingSession({
  createPool: browserGradientPool,
  createEvaluator: browserEvaluator,
  gpu: self.navigator.gpu ?? undefined,
  checkpoints: indexedDbCheckpoints(),
  createWasm: createBrowserWasmBackend,
  crossovers,
});
const origin = self.location.origin;
const costLab = new CostLab(
  async () => ((await session.loadTestImages(origin, () => {}).catch(() => 0)) > 0 ? session.testSet() : null),
  (name) => session.backendNamed(name),
);
const figures = new NotebookFigures({
  testImages: async () => ((await session.loadTestImages(origin, () => {}).catch(() => 0)) > 0 ? session.testSet() : null),
  trainedModel: () => session.trainedModel('notebook'),
});

const api = {
  /** The language of the engine's messages (errors, progress). */
  setLocale: (locale: EngineLocale) => setEngineLocale(locale),
  installedDataAvailable: () => session.installedDataAvailable(origin),
  gpuStatus: () => session.gpuStatus(),
  wasmStatus: () => session.wasmStatus(),
  loadInstalled: (trainBatches: number, onProgress: (p: DataProgress) => void) => session.loadInstalled(origin, trainBatches, onProgress),
  loadArchive: (file: File, trainBatches: number, onProgress: (p: DataProgress) => void) => session.loadArchive(file, trainBatches, onProgress),
  /** At least `count` training images, loaded from where the data came from (with progress). */
  loadTrainImages: (count: number, onProgress: (p: DataProgress) => void) => session.loadTrainImages(origin, count, onProgress),
  train: (runId: RunId, config: SessionTrainConfig, onEvents: (events: TrainEvent[]) => void) => session.train(config, onEvents, runId),
  continueRun: (runId: RunId, onEvents: (events: TrainEvent[]) => void) => session.continueRun(runId, onEvents),
  restoreSaved: (runId: RunId) => session.restoreSaved(runId),
  storageNote: () => session.storageNote(),
  discard: (runId: RunId) => session.discard(runId),
  /** A checkpoint file the learner picked: read here, checked, and opened into the slot (or refused). */
  importCheckpoint: async (runId: RunId, file: Blob & { name?: string }) => {
    const name = file.name ?? engineText('file.unnamed');
    checkCheckpointSize(file.size, name); // before reading it: a huge file would fill the worker's memory
    return session.openCheckpoint(runId, new Uint8Array(await file.arrayBuffer()), name);
  },
  exportCheckpoint: async (runId: RunId) => {
    const bytes = await session.exportCheckpoint(runId);
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
  /** The run's experiment card as JSON text, with this device's threads, browser and GPU adapter. */
  experimentCard: async (runId: RunId) => {
    const gpu = await session.gpuStatus();
    const card = session.experimentCard(runId, {
      hardwareThreads: self.navigator.hardwareConcurrency || 1,
      userAgent: self.navigator.userAgent.slice(0, 500),
      gpu: gpu.available ? gpu.adapter.slice(0, 300) : null,
    });
    return { card, text: JSON.stringify(card, null, 2) };
  },
  /** A card file the learner opened or dropped: its size checked before it is read, then every field. */
  openCard: async (file: Blob & { name?: string }) => {
    const name = file.name ?? engineText('file.unnamed');
    checkCardSize(file.size, name);
    return parseExperimentCard(new Uint8Array(await file.arrayBuffer()), name);
  },
  exportOnnx: async (runId: RunId) => {
    const bytes = await session.exportOnnx(runId);
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
  pause: (runId: RunId) => session.pause(runId),
  resume: (runId: RunId) => session.resume(runId),
  stop: (runId: RunId) => session.stop(runId),
  rollback: (runId: RunId) => session.rollback(runId),
  stepOnce: (runId: RunId) => session.stepOnce(runId),
  confusionMatrix: (runId: RunId) => session.confusionMatrix(runId),
  firstFilters: (runId: RunId) => session.firstFilters(runId),
  activationOmegas: async (runId: RunId, index: number) => {
    const layers = await session.activationOmegas(index, runId);
    return layers
      ? Comlink.transfer(
          layers,
          layers.flatMap((l) => l.perChannel.map((list) => list.buffer as ArrayBuffer)),
        )
      : null;
  },
  loadTestImages: (onProgress: (p: DataProgress) => void) => session.loadTestImages(origin, onProgress),
  convScene: (source: SceneSource, params: ConvSceneParams) => {
    const scene = convSceneOf(source, params, session.testImages());
    const t = scene.trace;
    const buffers = [t.dense, t.sparse].flatMap((s) => [s.output, s.weight, s.input, s.product, s.inOmega].map((a) => a.buffer as ArrayBuffer));
    return Comlink.transfer(scene, [...buffers, t.y.buffer as ArrayBuffer]);
  },
  /**
   * A picture the learner chose, as a 32×32 CIFAR-style image (CHW bytes): its size is read from its header
   * first (nothing over 50 megapixels is decoded), then the centred square is scaled down — not squashed.
   */
  imageFromFile: async (file: Blob) => {
    const name = (file as File).name ?? engineText('file.unnamed');
    const size = pictureSize(new Uint8Array(await file.slice(0, PICTURE_HEADER_BYTES).arrayBuffer()));
    if (!size) throw new Error(engineText('file.pictureFormat', { name }));
    if (size.width * size.height > MAX_PICTURE_PIXELS) {
      const megapixels = (size.width * size.height) / 1e6;
      throw new Error(
        engineText('file.pictureTooLarge', { name, width: size.width, height: size.height, megapixels: megapixels.toFixed(0), max: MAX_PICTURE_PIXELS / 1e6 }),
      );
    }
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      throw new Error(engineText('file.notPicture', { name }));
    }
    try {
      // The decoded size, which an EXIF rotation may have swapped: the square is cut from the picture as seen.
      const { x, y, side } = centreSquare(bitmap.width, bitmap.height);
      const canvas = new OffscreenCanvas(32, 32);
      const ctx = canvas.getContext('2d')!;
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(bitmap, x, y, side, side, 0, 0, 32, 32);
      const rgba = ctx.getImageData(0, 0, 32, 32).data;
      const chw = new Uint8Array(3 * 1024);
      for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) chw[c * 1024 + p] = rgba[4 * p + c];
      return Comlink.transfer(chw, [chw.buffer]);
    } finally {
      bitmap.close();
    }
  },
  convFollowUp: (source: SceneSource, params: ConvSceneParams) => convFollowUp(source, params, session.testImages()),
  /** The cost lab: per-layer cost of a model on a batch, and the sparsity sweep; both report progress. */
  layerCosts: async (
    request: Omit<LayerCostRequest, 'model'> & { model: LayerCostRequest['model'] | { kind: 'file'; file: Blob & { name?: string } } },
    onProgress: (p: CostProgress) => void,
  ) => {
    if (request.model.kind === 'file') checkCheckpointSize(request.model.file.size, request.model.file.name ?? engineText('file.unnamed'));
    const model =
      request.model.kind === 'file'
        ? {
            kind: 'checkpoint' as const,
            bytes: new Uint8Array(await request.model.file.arrayBuffer()),
            fileName: request.model.file.name ?? engineText('file.unnamed'),
          }
        : request.model;
    return costLab.layerCosts({ ...request, model }, onProgress);
  },
  /** Our seed forward pass beside TensorFlow.js's WASM backend on the same batch (TF.js loaded now, not before). */
  compareForward: (batch: number) =>
    costLab.compareForward(batch, { minMs: 1500, minRepeats: 5 }, async (n, timing) => {
      const { timeTfjsWasmForward } = await import('./tfjsReference');
      const r = await timeTfjsWasmForward(n, timing);
      return { imagesPerSec: r.imagesPerSec, name: `TensorFlow.js ${r.version}, WASM backend (XNNPACK)` };
    }),
  costSweep: (options: SweepOptions, backend: BackendName, onProgress: (p: CostProgress, point: SweepPoint) => void) =>
    costLab.sweep(options, backend, onProgress),
  /** The roofline of a backend here, and every layer's kernels of a preset placed on it at several pruning levels. */
  costRoofline: (request: RooflineRequest, onProgress: (p: CostProgress) => void) => costLab.roofline(request, onProgress),
  /** `auto`'s crossover per backend as measured on this device so far (null: not yet). */
  crossovers: async () => {
    const out: Partial<Record<BackendName, CrossoverMeasurement | null>> = {};
    for (const name of ['wasm', 'cpu', 'webgpu'] as const) out[name] = await crossovers.known(name);
    return out;
  },
  /** Measures a backend's crossover again (at most 2 s) and keeps it: what `auto` uses from now on. */
  remeasureCrossover: async (name: BackendName) => {
    const found = await session.backendNamed(name);
    if (!('backend' in found)) throw new Error(found.reason);
    return crossovers.crossoverFor(found.backend, true);
  },
  stopCost: () => costLab.stop(),
  /** The notebook's smaller figures (chapters 1, 3, 6, 7). */
  zeroCensus: async (request: { source: WeightSource; pruneTo: number; image: number }) => {
    const census = await figures.census(request);
    return Comlink.transfer(census, [census.image.pixels.buffer as ArrayBuffer]);
  },
  omegaCheck: (request: { inputDensity: number; weightDensity: number; seed: number }) => figures.omegaCheck(request),
  weightStorage: (request: { layer: string }) => figures.storage(request),
  notebookOnnx: async (request: { source: WeightSource; pruneTo: number }) => {
    const file = await figures.onnxFile(request);
    return Comlink.transfer(file, [file.bytes.buffer as ArrayBuffer]);
  },
  sparsityPatterns: (request: { source: WeightSource; layer: string; sparsity: number }) => figures.structure(request),
  samplePredictions: async (runId: RunId, count: number) => {
    const s = await session.samplePredictions(count, runId);
    // Move the buffers instead of copying them.
    return s ? Comlink.transfer(s, [s.images.buffer, s.labels.buffer, s.predicted.buffer, s.probs.buffer]) : null;
  },
};

export type EngineWorkerApi = typeof api;

Comlink.expose(api);
