/**
 * What the app's engine worker holds: the data set and the current training run. The worker file only
 * exposes this through Comlink; the same class runs in Node tests.
 */
import { Cifar10, ImageSet, IMAGES_PER_TRAIN_BATCH, readCifar10Archive, takeImages, TRAIN_BATCH_FILES } from '../data/cifar10';
import { cifar10BaseUrl, DataProgress, fetchCifar10, fetchCifar10Manifest } from '../data/fetchCifar10';
import { isPresetName, ModelSpec, ModelSpecError, PRESETS, PresetName } from '../model/spec';
import { checkTrainableSpec } from '../model/specText';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { exportOnnx } from '../onnx/exportOnnx';
import { GradientPool } from '../parallel/dataParallel';
import { MAX_WORKERS } from '../parallel/workerCount';
import { makeBatch } from '../data/batch';
import { activationOmega } from '../sparse/omega';
import { Model } from '../model/model';
import type { ExecutionPolicy } from '../model/kernelChoice';
import { CheckpointMismatchError, DoneEvent, TrainConfig, TrainEvent, Trainer, TrainerState } from './trainer';
import { GpuAvailability, requestGpu } from '../backend/webgpu/device';
import type { Gpu } from '../backend/webgpu/gpu';
import type { Backend, BackendName } from '../backend/backend';
import type { Evaluator, GradientBackendName } from '../parallel/gradientWorkers';
import { WebGpuBackend } from '../backend/webgpu/webgpuBackend';
import { cpuBackend } from '../backend/cpu/cpuBackend';
import { engineText } from '../text/engineText';
import { QUICK_EVAL_IMAGES } from './events';
import { CardDevice, ExperimentCard, experimentCard } from './experimentCard';
import type { TestImages } from '../trace/stepThrough';

export interface DataSummary {
  trainImages: number;
  testImages: number;
  classNames: string[];
  source: string;
}

export interface SessionTrainConfig {
  /** A preset, or 'custom' with the layers in `spec`. */
  preset: PresetName | 'custom';
  spec?: ModelSpec;
  batchSize: number;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  augment: boolean;
  seed: number;
  epochs: number;
  /**
   * Test images a run is evaluated on: at each epoch's end all of them (beyond QUICK_EVAL_IMAGES, in an
   * evaluation worker where there is one, while training goes on), and every `evalEverySteps` steps the
   * first QUICK_EVAL_IMAGES of them.
   */
  evalImages: number;
  evalEverySteps: number;
  /** Training images used (the rest of the loaded set is left out). */
  trainImages: number;
  /** Threads computing gradients: 1 trains in this thread; more split each batch (data parallel). */
  workers: number;
  /** Where to train: 'webgpu' falls back to the CPU (and says so) when there is no usable GPU. */
  backend: BackendName;
  /**
   * Gradual magnitude pruning of the named layers to `to` zeros, from the start of epoch `startEpoch` to the
   * start of `endEpoch`; the conv layers then pick dense or sparse kernels by density (policy auto).
   */
  pruning?: { to: number; startEpoch: number; endEpoch: number; layers: string[] } | null;
}

/**
 * Runs live in slots: 'a' alone, or 'a' (dense) and 'b' (pruned) side by side. Same data, separate models.
 */
export type RunId = 'a' | 'b' | 'notebook';
/** The slots kept across reloads; the notebook's short demonstration runs are not. */
export const SAVED_RUN_IDS: readonly RunId[] = ['a', 'b'];

/** Where a run's latest checkpoint is kept between visits (IndexedDB in the browser). */
export interface CheckpointStore {
  save(runId: RunId, bytes: Uint8Array): Promise<void>;
  load(runId: RunId): Promise<Uint8Array | null>;
  remove(runId: RunId): Promise<void>;
  /** Why runs here are not saved (another tab keeps them), or null when they are. */
  unavailableReason?(): Promise<string | null>;
}

/** A checkpoint opened into a slot: its settings and the events that draw its charts up to its step. */
export interface OpenedRun {
  config: SessionTrainConfig;
  history: TrainEvent[];
  step: number;
  savedAt: string;
}

/** The model a run configuration describes. */
export function resolveSpec(config: Pick<SessionTrainConfig, 'preset' | 'spec'>): ModelSpec {
  if (config.preset === 'custom') {
    if (!config.spec) throw new ModelSpecError(engineText('spec.customNeedsLayers'));
    checkTrainableSpec(config.spec);
    return config.spec;
  }
  if (!isPresetName(config.preset)) throw new Error(`unknown preset "${config.preset}"`);
  return PRESETS[config.preset];
}

/** The trainer's configuration for a run configuration and the model it resolved to. */
export function trainerConfig(config: SessionTrainConfig, spec: ModelSpec): TrainConfig {
  return {
    spec,
    epochs: config.epochs,
    batchSize: config.batchSize,
    optimizer: config.optimizer === 'adam' ? { type: 'adam', lr: config.learningRate } : { type: 'sgd', lr: config.learningRate, momentum: 0.9 },
    seed: config.seed,
    augment: config.augment,
    evalEverySteps: config.evalEverySteps,
    statsEverySteps: STATS_EVERY_STEPS,
    ...(config.pruning
      ? {
          pruning: {
            finalSparsity: config.pruning.to,
            startEpoch: config.pruning.startEpoch,
            endEpoch: config.pruning.endEpoch,
            layers: config.pruning.layers,
          },
          policy: 'auto' as const,
        }
      : {}),
    evalLimit: Math.min(config.evalImages, QUICK_EVAL_IMAGES),
  };
}

/** Events that draw charts; a checkpoint keeps these (up to its step) as the run's history. */
function isHistoryEvent(e: TrainEvent): boolean {
  return (
    e.event === 'start' ||
    e.event === 'step' ||
    e.event === 'eval' ||
    e.event === 'epoch' ||
    e.event === 'prune' ||
    e.event === 'stats' ||
    e.event === 'backend' ||
    e.event === 'weights'
  );
}

/** The history up to `step`: the latest start event, then every charted event at or before the step. */
function historyUpTo(history: TrainEvent[], step: number): TrainEvent[] {
  const starts = history.filter((e) => e.event === 'start');
  return [...starts.slice(-1), ...history.filter((e) => e.event !== 'start' && 'step' in e && e.step <= step)];
}

interface Run {
  trainer: Trainer;
  evalSet: ImageSet;
  config: SessionTrainConfig;
  history: TrainEvent[];
  /** The loop, settled (never rejecting) once it ends; null before it starts. */
  running: Promise<unknown> | null;
  /** Saves of this run, one after another. */
  saving: Promise<unknown>;
}

/** What the session can use beyond this thread. */
export interface SessionResources {
  /** Keeps each slot's latest checkpoint, so a run survives a reload. */
  checkpoints?: CheckpointStore;
  /** Starts gradient workers; without it every CPU run trains in this thread. */
  createPool?: GradientPoolFactory;
  /** `navigator.gpu` where there is one. */
  gpu?: GPU;
  /** Instantiates the WebAssembly SIMD kernels (rejects, saying why, where they cannot run). */
  createWasm?: () => Promise<Backend>;
  /**
   * `auto`'s crossover measured for a backend on this device (engine/cost/calibration.ts); without it, a
   * pruned run with no crossover given uses the placeholder.
   */
  crossovers?: CrossoverSource;
  /** Starts an evaluation worker for a model and its test images; without it the whole set is evaluated in this thread. */
  createEvaluator?: EvaluatorFactory;
}

export type EvaluatorFactory = (spec: ModelSpec, backend: GradientBackendName, set: ImageSet) => Evaluator;

/** Where a pruned run gets its backend's crossover. */
export interface CrossoverSource {
  crossoverFor(backend: Backend, remeasure?: boolean): Promise<{ crossover: number; weightCrossover?: number }>;
}

/** Whether the WebAssembly SIMD backend runs here, and why not when it does not. */
export type WasmStatus = { available: true } | { available: false; reason: string };

/** What the page shows about the GPU. */
export type GpuStatus = { available: true; adapter: string } | { available: false; reason: string };

/** Starts `size` gradient workers for a model; supplied by whoever can start threads here. */
export type GradientPoolFactory = (
  size: number,
  spec: ModelSpec,
  options?: { policy?: ExecutionPolicy; crossover?: number; weightCrossover?: number; backend?: GradientBackendName },
) => GradientPool;

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
  /** The archive the data came from, when the learner opened one: more of its batches can be read later. */
  private archive: (Blob & { name?: string }) | null = null;
  /**
   * The installed test images being loaded, shared by every caller that asks meanwhile (the notebook's cells
   * all ask at once): one download, each caller hearing its progress.
   */
  private testImagesLoad: { done: Promise<number>; listeners: Set<(p: DataProgress) => void> } | null = null;
  private readonly runs = new Map<RunId, Run>();
  private gpuRequest: Promise<GpuAvailability> | null = null;
  private wasmRequest: Promise<{ backend: Backend } | { reason: string }> | null = null;

  constructor(private readonly resources: SessionResources = {}) {}

  /** This thread's wasm backend (one instance, asked for once), or why there is none. */
  private wasmBackend(): Promise<{ backend: Backend } | { reason: string }> {
    const create = this.resources.createWasm;
    this.wasmRequest ??= create
      ? create().then(
          (backend) => ({ backend }),
          (error: unknown) => ({ reason: error instanceof Error ? error.message : String(error) }),
        )
      : Promise.resolve({ reason: engineText('wasm.missing') });
    return this.wasmRequest;
  }

  /** The backend instances this session computes on, by name, or why one cannot run here. */
  async backendNamed(name: BackendName): Promise<{ backend: Backend } | { reason: string }> {
    if (name === 'cpu') return { backend: cpuBackend as unknown as Backend };
    if (name === 'wasm') return this.wasmBackend();
    const a = await this.gpuAvailability();
    return a.ok ? { backend: new WebGpuBackend(a.gpu) as unknown as Backend } : { reason: a.reason };
  }

  /** Whether the WebAssembly SIMD backend runs here. */
  async wasmStatus(): Promise<WasmStatus> {
    const w = await this.wasmBackend();
    return 'backend' in w ? { available: true } : { available: false, reason: w.reason };
  }

  private gpuAvailability(): Promise<GpuAvailability> {
    this.gpuRequest ??= requestGpu(this.resources.gpu);
    return this.gpuRequest;
  }

  /** Whether WebGPU can be used here, and which adapter (asked once; a lost device is asked for again). */
  async gpuStatus(): Promise<GpuStatus> {
    const a = await this.gpuAvailability();
    return a.ok ? { available: true, adapter: a.adapter } : { available: false, reason: a.reason };
  }

  /** The WebGPU device this session uses, or why there is none (asked once). */
  async gpuDevice(): Promise<{ gpu: Gpu } | { reason: string }> {
    const a = await this.gpuAvailability();
    return a.ok ? { gpu: a.gpu } : { reason: a.reason };
  }

  /** The loaded test images (after loadTestImages or a data load), or null. */
  testSet(): ImageSet | null {
    return this.data?.test ?? null;
  }

  /** The test images with their class names, for the step-through's pictures (null before data is loaded). */
  testImages(): TestImages | null {
    return this.data ? { set: this.data.test, classNames: this.data.classNames } : null;
  }

  /** Whether `npm run data` installed the batches where the app serves them. */
  async installedDataAvailable(origin: string): Promise<boolean> {
    return (await fetchCifar10Manifest(cifar10BaseUrl(origin))) !== null;
  }

  async loadInstalled(origin: string, trainBatches: number, onProgress: (p: DataProgress) => void): Promise<DataSummary> {
    // A test-images download under way finishes first: the same files are never fetched twice at once.
    await this.testImagesLoad?.done.catch(() => 0);
    const base = cifar10BaseUrl(origin);
    const manifest = await fetchCifar10Manifest(base);
    if (!manifest) throw new Error(engineText('data.notInstalled'));
    this.data = await fetchCifar10(base, manifest, trainBatches, onProgress);
    this.source = 'installed';
    return this.summary();
  }

  /** Parses a dropped or picked cifar-10-binary.tar.gz. */
  async loadArchive(file: Blob & { name?: string }, trainBatches: number, onProgress: (p: DataProgress) => void): Promise<DataSummary> {
    const name = file.name ?? 'file';
    const message = engineText('data.unpacking', { name });
    onProgress({ fraction: 0, message });
    // The file streams through gunzip and the tar reader; progress as its bytes are read, each percent once.
    let shown = 0;
    const data = await readCifar10Archive(file, name, trainBatches, (fraction) => {
      if (fraction - shown < 0.01) return;
      shown = fraction;
      onProgress({ fraction: 0.97 * fraction, message });
    });
    onProgress({ fraction: 1, message: engineText('data.ready') });
    this.data = data; // only replaced once the new file has been read completely
    this.source = name;
    this.archive = file;
    return this.summary();
  }

  /**
   * Makes at least `count` training images available (10,000 per CIFAR-10 batch file), loading the batches
   * from where the data came from — the installed files or the archive the learner opened — with progress.
   * The data in use stays until the larger set is complete.
   */
  async loadTrainImages(origin: string, count: number, onProgress: (p: DataProgress) => void): Promise<DataSummary> {
    if (!this.data) throw new Error('no data loaded');
    if (this.data.train.count >= count) return this.summary();
    const batches = Math.min(TRAIN_BATCH_FILES.length, Math.ceil(count / IMAGES_PER_TRAIN_BATCH));
    if (this.source === 'installed') return this.loadInstalled(origin, batches, onProgress);
    if (this.archive) return this.loadArchive(this.archive, batches, onProgress);
    throw new Error(engineText('data.noMoreImages', { count }));
  }

  summary(): DataSummary {
    if (!this.data) throw new Error('no data loaded');
    return { trainImages: this.data.train.count, testImages: this.data.test.count, classNames: this.data.classNames, source: this.source };
  }

  /** Checks a run configuration and builds its trainer (nothing else changes). */
  private createRun(config: SessionTrainConfig): Run {
    if (!this.data) throw new Error(engineText('train.noData'));
    const spec = resolveSpec(config);
    if (!(Number.isInteger(config.evalImages) && config.evalImages >= 1))
      throw new RangeError(`test images must be a whole number ≥ 1, got ${config.evalImages}`);
    if (config.backend !== 'cpu' && config.backend !== 'wasm' && config.backend !== 'webgpu')
      throw new RangeError(`backend must be wasm, cpu or webgpu, got ${config.backend}`);
    if (!(Number.isInteger(config.workers) && config.workers >= 1 && config.workers <= MAX_WORKERS)) {
      throw new RangeError(`workers must be a whole number from 1 to ${MAX_WORKERS}, got ${config.workers}`);
    }
    const train = takeImages(this.data.train, config.trainImages);
    const evalSet = takeImages(this.data.test, config.evalImages);
    const trainer = new Trainer(trainerConfig(config, spec), train, evalSet);
    return { trainer, evalSet, config, history: [], running: null, saving: Promise.resolve() };
  }

  /** Stops the run in a slot (after its current step), frees its GPU buffers and forgets it. */
  private async endRun(runId: RunId): Promise<void> {
    const previous = this.runs.get(runId);
    if (!previous) return;
    this.runs.delete(runId);
    previous.trainer.stop();
    await previous.running;
    await previous.saving;
    previous.trainer.releaseDevice();
  }

  /** Trains a new run in a slot until done or stopped, sending events in groups through `onEvents`. */
  async train(config: SessionTrainConfig, onEvents: (events: TrainEvent[]) => void, runId: RunId = 'a'): Promise<DoneEvent> {
    const run = this.createRun(config);
    await this.endRun(runId);
    await this.resources.checkpoints?.remove(runId);
    this.runs.set(runId, run);
    return this.drive(runId, run, onEvents);
  }

  /**
   * Continues the run opened in a slot (by openCheckpoint or restoreSaved). It starts paused: the page
   * shows the restored charts, and the learner resumes.
   */
  async continueRun(runId: RunId, onEvents: (events: TrainEvent[]) => void): Promise<DoneEvent> {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`there is no run in slot ${runId} to continue`);
    if (run.running) throw new Error(`the run in slot ${runId} is already going`);
    return this.drive(runId, run, onEvents);
  }

  private async drive(runId: RunId, run: Run, onEvents: (events: TrainEvent[]) => void): Promise<DoneEvent> {
    const { trainer, config } = run;
    let pending: TrainEvent[] = [];
    let lastFlush = 0;
    let pool: GradientPool | undefined;
    let workerBackend: GradientBackendName = 'cpu';
    let runsOn: Backend = cpuBackend as unknown as Backend;
    if (config.backend === 'webgpu') {
      const a = await this.gpuAvailability();
      if (a.ok) {
        runsOn = new WebGpuBackend(a.gpu) as unknown as Backend;
        await trainer.moveTo(runsOn);
        // A lost device cannot come back: the next run asks for a new one.
        void a.gpu.device.lost.then(() => (this.gpuRequest = null));
      } else pending.push({ event: 'backend', backend: 'cpu', from: 'webgpu', reason: a.reason, step: trainer.currentStep });
    } else if (config.backend === 'wasm') {
      const w = await this.wasmBackend();
      if ('backend' in w) {
        runsOn = w.backend;
        await trainer.moveTo(runsOn);
        workerBackend = 'wasm';
      } else pending.push({ event: 'backend', backend: 'cpu', from: 'wasm', reason: w.reason, step: trainer.currentStep });
    }
    // `auto` with no crossover given: the one measured for this backend on this device.
    const crossovers = this.resources.crossovers;
    if (crossovers && trainer.config.policy === 'auto' && trainer.config.crossover === undefined) {
      const measured = await crossovers.crossoverFor(runsOn);
      trainer.setCrossover(measured.crossover, measured.weightCrossover);
    }
    // Gradient workers on the CPU backend the run is on (each its own wasm instance); a GPU run has none.
    // `workers` counts threads: this one computes a shard too, beside workers − 1 gradient workers.
    if (trainer.backend !== 'webgpu' && config.workers > 1 && this.resources.createPool)
      pool = this.resources.createPool(config.workers - 1, trainer.config.spec, {
        policy: trainer.config.policy,
        crossover: trainer.config.crossover,
        weightCrossover: trainer.config.weightCrossover,
        backend: workerBackend,
      });
    // The whole test set, evaluated beside training when it is more than the quick evaluations' share.
    const evaluator =
      run.evalSet.count > QUICK_EVAL_IMAGES && this.resources.createEvaluator
        ? this.resources.createEvaluator(trainer.config.spec, workerBackend, run.evalSet)
        : undefined;
    for (const e of pending) run.history.push(e);
    try {
      const loop = trainer.run(
        (event) => {
          if (isHistoryEvent(event)) run.history.push(event);
          if (event.event === 'checkpoint') this.save(runId, run, trainer.lastCheckpoint(), onEvents);
          if ((event.event === 'paused' || event.event === 'done') && trainer.numericalFault === null) {
            // A paused or finished run is saved as it is now, so a reload finds it exactly there.
            const now = trainer.checkpointNow().catch(() => null);
            run.saving = run.saving.then(() => now);
            void now.then((state) => this.save(runId, run, state, onEvents));
          }
          pending.push(event);
          const now = performance.now();
          if (event.event !== 'step' || now - lastFlush >= FLUSH_EVERY_MS) {
            onEvents(pending);
            pending = [];
            lastFlush = now;
          }
        },
        pool,
        evaluator,
      );
      run.running = loop.catch(() => undefined);
      const done = await loop;
      if (pending.length) onEvents(pending);
      return done;
    } finally {
      await pool?.close();
      await evaluator?.close();
    }
  }

  /** Writes a run's state to the checkpoint store (in order; never after the run left its slot). */
  private save(runId: RunId, run: Run, state: TrainerState | null, onEvents: (events: TrainEvent[]) => void): void {
    const store = this.resources.checkpoints;
    if (!store || !state || !SAVED_RUN_IDS.includes(runId)) return;
    const bytes = encodeCheckpoint({ savedAt: new Date().toISOString(), config: run.config, state, history: historyUpTo(run.history, state.step) });
    run.saving = run.saving
      .then(async () => {
        if (this.runs.get(runId) !== run) return;
        await store.save(runId, bytes);
        onEvents([{ event: 'saved', step: state.step }]);
      })
      // A full or unavailable store: the run goes on in memory, and the page says it is not saved.
      .catch((error: unknown) => {
        const reason = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
        onEvents([{ event: 'saveFailed', step: state.step, message: engineText('storage.notSaved', { step: state.step, reason }) }]);
      });
  }

  /**
   * The run in a slot as an experiment card (as of now): its settings, its epochs, where it ran — `device`
   * says what this thread cannot know by itself (the page's threads and GPU) — and what came of it.
   */
  experimentCard(runId: RunId, device: Omit<CardDevice, 'backend' | 'threads'>): ExperimentCard {
    const run = this.runs.get(runId);
    if (!run) throw new Error(engineText('checkpoint.nothingYet'));
    const c = run.config;
    const start = run.history.findLast((e) => e.event === 'start');
    return experimentCard(
      {
        preset: c.preset,
        spec: run.trainer.config.spec,
        optimizer: c.optimizer,
        learningRate: c.learningRate,
        batchSize: c.batchSize,
        seed: c.seed,
        augment: c.augment,
        epochs: c.epochs,
        trainImages: start?.event === 'start' ? start.trainImages : c.trainImages,
        testImages: run.evalSet.count,
        pruning: c.pruning ?? null,
      },
      run.history,
      { ...device, backend: run.trainer.backend, threads: start?.event === 'start' ? start.workers : c.workers },
      run.trainer.prunedSparsity(),
    );
  }

  /** The run in a slot as a checkpoint file (its state now; after a fault, the last good one). */
  async exportCheckpoint(runId: RunId = 'a'): Promise<Uint8Array> {
    const run = this.runs.get(runId);
    if (!run) throw new Error(engineText('checkpoint.nothingYet'));
    const state = run.trainer.numericalFault === null ? await run.trainer.checkpointNow() : run.trainer.lastCheckpoint();
    if (!state) throw new Error(engineText('checkpoint.noGoodState'));
    return encodeCheckpoint({ savedAt: new Date().toISOString(), config: run.config, state, history: historyUpTo(run.history, state.step) });
  }

  /**
   * Opens a checkpoint (an imported file, or the saved one) into a slot, stopping the run there. The file is
   * read and checked against the loaded data first: a damaged or mismatched file throws and changes nothing.
   */
  async openCheckpoint(runId: RunId, bytes: Uint8Array, fileName = engineText('checkpoint.saved')): Promise<OpenedRun> {
    const checkpoint = decodeCheckpoint<SessionTrainConfig>(bytes, fileName);
    let run: Run;
    try {
      run = this.createRun(checkpoint.config);
      run.trainer.restoreState(checkpoint.state);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CheckpointMismatchError(engineText('checkpoint.doesNotFit', { name: fileName, reason }));
    }
    run.history = checkpoint.history.filter(isHistoryEvent);
    run.trainer.pause();
    await this.endRun(runId);
    this.runs.set(runId, run);
    if (this.resources.checkpoints) {
      run.saving = this.resources.checkpoints.save(runId, bytes).catch(() => undefined);
      await run.saving;
    }
    return { config: checkpoint.config, history: run.history, step: checkpoint.state.step, savedAt: checkpoint.savedAt };
  }

  /** Why runs are not saved in this browser (the lab is open in another tab), or null when they are. */
  async storageNote(): Promise<string | null> {
    return (await this.resources.checkpoints?.unavailableReason?.()) ?? null;
  }

  /** Opens a slot's saved checkpoint, if there is one. A damaged one is removed, and the error says why. */
  async restoreSaved(runId: RunId): Promise<OpenedRun | null> {
    const bytes = await this.resources.checkpoints?.load(runId);
    if (!bytes) return null;
    try {
      return await this.openCheckpoint(runId, bytes, 'the saved run');
    } catch (error) {
      await this.resources.checkpoints?.remove(runId);
      throw error;
    }
  }

  /** Stops a slot's run and forgets it, saved copy included. */
  async discard(runId: RunId): Promise<void> {
    const run = this.runs.get(runId);
    this.runs.delete(runId); // no save starts after this
    run?.trainer.stop();
    await run?.saving;
    await this.resources.checkpoints?.remove(runId);
    await run?.running;
    run?.trainer.releaseDevice();
  }

  /** The slot's model as an ONNX file. */
  async exportOnnx(runId: RunId = 'a'): Promise<Uint8Array> {
    const run = this.runs.get(runId);
    if (!run) throw new Error(engineText('checkpoint.noModel'));
    await run.trainer.syncFromDevice();
    const t = run.trainer;
    const sparsity = Object.entries(t.prunedSparsity())
      .map(([name, v]) => `${name.replace(/\.weight$/, '')} ${(v * 100).toFixed(1)}% zeros`)
      .join(', ');
    const description = `Trained in Sparse CNN Lab on CIFAR-10 for ${t.currentStep} steps (seed ${run.config.seed})${sparsity ? `; pruned: ${sparsity}` : ''}.`;
    return exportOnnx(t.config.spec, t.model.weights(), { description });
  }

  pause(runId: RunId = 'a'): void {
    this.runs.get(runId)?.trainer.pause();
  }

  resume(runId: RunId = 'a'): void {
    this.runs.get(runId)?.trainer.resume();
  }

  stop(runId: RunId = 'a'): void {
    this.runs.get(runId)?.trainer.stop();
  }

  stepOnce(runId: RunId = 'a'): void {
    this.runs.get(runId)?.trainer.stepOnce();
  }

  /** After a numerical fault: back to the last checkpoint (the run stays paused). Returns its step. */
  async rollback(runId: RunId = 'a'): Promise<number> {
    const run = this.runs.get(runId);
    if (!run) throw new Error('there is no run to roll back');
    const step = await run.trainer.rollback();
    run.history = historyUpTo(run.history, step);
    return step;
  }

  /**
   * Test images for the step-through: the installed test batch (without the training batches), or what is
   * already loaded. Returns how many there are, or 0 when CIFAR-10 is not installed.
   */
  loadTestImages(origin: string, onProgress: (p: DataProgress) => void): Promise<number> {
    if (this.data) return Promise.resolve(this.data.test.count);
    if (!this.testImagesLoad) {
      const listeners = new Set<(p: DataProgress) => void>();
      const load = async () => {
        const base = cifar10BaseUrl(origin);
        const manifest = await fetchCifar10Manifest(base);
        if (!manifest) return 0;
        const data = await fetchCifar10(base, manifest, 0, (p) => listeners.forEach((listener) => listener(p)));
        if (!this.data) {
          // Data the learner loaded meanwhile (more batches, or an archive) is kept.
          this.data = data;
          this.source = 'installed';
        }
        return this.data.test.count;
      };
      this.testImagesLoad = { done: load().finally(() => (this.testImagesLoad = null)), listeners };
    }
    this.testImagesLoad.listeners.add(onProgress);
    return this.testImagesLoad.done;
  }

  /** Ω after every layer of the current model, for test image `index` of the evaluation set. */
  async activationOmegas(index: number, runId: RunId = 'a'): Promise<LayerActivationOmega[] | null> {
    const run = this.runs.get(runId);
    if (!run) return null;
    if (!(Number.isInteger(index) && index >= 0 && index < run.evalSet.count)) {
      throw new RangeError(`test image ${index} does not exist (there are ${run.evalSet.count})`);
    }
    const { x } = makeBatch(run.evalSet, [index]);
    const model = run.trainer.model;
    return (await model.forwardTrace(x)).map((out, i) => {
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
  /** A copy of the model a slot's run has trained so far (CPU weights), with its step; null when the slot is empty. */
  trainedModel(runId: RunId): { model: Model; step: number; preset: string } | null {
    const run = this.runs.get(runId);
    if (!run) return null;
    const model = new Model(run.trainer.model.spec, 0);
    model.setWeights(run.trainer.model.weights());
    return { model, step: run.trainer.currentStep, preset: run.config.preset };
  }

  firstFilters(runId: RunId = 'a'): { shape: number[]; values: Float32Array; zeros: number } | null {
    const conv = this.runs.get(runId)?.trainer.model.convLayers()[0];
    if (!conv) return null;
    const values = conv.weight.value.data.slice();
    return { shape: [...conv.weight.value.shape], values, zeros: values.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) };
  }

  /**
   * The confusion matrix on the evaluation images: counts[true·K + predicted], K classes. Of the current
   * model, on up to QUICK_EVAL_IMAGES images; on a larger test set, of the latest evaluation of all of it
   * (computed beside training: nothing to compute here).
   */
  async confusionMatrix(runId: RunId = 'a'): Promise<{ classes: number; counts: Int32Array; images: number } | null> {
    const run = this.runs.get(runId);
    if (!run) return null;
    const K = this.data?.classNames.length ?? 10;
    const counts = new Int32Array(K * K);
    const full = run.trainer.lastFullEvaluation;
    if (run.evalSet.count > QUICK_EVAL_IMAGES && full && full.predicted.length === run.evalSet.count) {
      full.predicted.forEach((p, i) => counts[run.evalSet.labels[i] * K + p]++);
      return { classes: K, counts, images: full.predicted.length };
    }
    const set = takeImages(run.evalSet, QUICK_EVAL_IMAGES);
    const { predicted } = await run.trainer.evaluate(set);
    predicted.forEach((p, i) => counts[set.labels[i] * K + p]++);
    return { classes: K, counts, images: set.count };
  }

  async samplePredictions(count: number, runId: RunId = 'a'): Promise<SamplePredictions | null> {
    const run = this.runs.get(runId);
    if (!run) return null;
    const set = takeImages(run.evalSet, count);
    const indices = Array.from({ length: set.count }, (_, i) => i);
    const { probs, predicted } = await run.trainer.predict(set, indices);
    return { images: set.images.slice(), labels: set.labels.slice(), predicted, probs };
  }
}
