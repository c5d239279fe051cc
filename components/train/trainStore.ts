/**
 * State of the training page: the shared settings, and per run slot ('a' alone, or 'a' dense beside 'b'
 * pruned) the chart series appended from the worker's event groups. Nothing here computes tensors.
 */
import { create } from 'zustand';
import type { DataProgress } from '../../engine/data/fetchCifar10';
import type { PresetName } from '../../engine/model/spec';
import type { DataSummary, GpuStatus, RunId as SessionRunId, SamplePredictions, WasmStatus } from '../../engine/train/session';
import type { BackendName } from '../../engine/backend/backend';
import type { StepCost, TrainEvent } from '../../engine/train/trainer';
import { QUICK_EVAL_IMAGES } from '../../engine/train/events';
import type { WeightHistogram } from '../../engine/train/weightHistogram';

/** The training lab's two slots: one run, or dense (a) beside pruned (b). */
export type RunId = Extract<SessionRunId, 'a' | 'b'>;

/** `loading-more`: more training images are loading before a run starts. */
export type Phase = 'checking' | 'loading-installed' | 'no-data' | 'loading-file' | 'ready' | 'loading-more' | 'training' | 'paused' | 'done';

export interface Point {
  x: number;
  y: number;
}

export interface Settings {
  /** A preset, or 'custom': the layers typed in `specText`. */
  preset: PresetName | 'custom';
  specText: string;
  learningRate: string;
  batchSize: string;
  optimizer: 'adam' | 'sgd';
  augment: boolean;
  seed: string;
  /** Gradient workers; 0 until the page has read the hardware's thread count. */
  workers: number;
  backend: BackendName;
  /** Fraction of the pruned layers' weights to prune ('0': no pruning), and the schedule's epochs. */
  pruneTo: string;
  pruneStart: string;
  pruneEnd: string;
  /** Two runs side by side: dense, and pruned to `pruneTo`, with the same seed. */
  compare: boolean;
  /** Training images a run uses (one CIFAR-10 batch, or all five), and test images it is evaluated on. */
  trainSet: TrainSetSize;
  testSet: TestSetSize;
}

export const TRAIN_SET_SIZES = ['10000', '50000'] as const;
export const TEST_SET_SIZES = ['500', '10000'] as const;
export type TrainSetSize = (typeof TRAIN_SET_SIZES)[number];
export type TestSetSize = (typeof TEST_SET_SIZES)[number];

export interface RunData {
  /** Every step's loss and batch accuracy, as the engine reported them (the views smooth them). */
  loss: Point[];
  batchAccuracy: Point[];
  /** Test accuracy on the quick evaluations' images, and on the whole test set (at epochs' ends) with its size. */
  testAccuracy: Point[];
  fullTestAccuracy: Point[];
  fullTestImages: number | null;
  step: number;
  epoch: number;
  totalSteps: number;
  imagesPerSec: number;
  /** Seconds spent training so far, as of the latest step (null: not reported, in runs saved before). */
  seconds: number | null;
  /** Training throughput (images per second of training time so far) at every step. */
  throughput: Point[];
  /** How the run computes gradients, as its start event said. */
  threads: { workers: number; sharedMemory: boolean } | null;
  /** The convolutions' multiply counters of the latest step. */
  lastCost: StepCost | null;
  /** Per step: the convolutions' dense, ideal and executed MACs. */
  macs: Record<'dense' | 'ideal sparse' | 'executed', Point[]>;
  /** Per layer, over steps: output element density (ReLU and pooling layers) and gradient norm (layers with weights). */
  density: Record<string, Point[]>;
  /** Per ReLU and pooling layer, over steps: the fraction of sites (pixels) with any nonzero channel. */
  siteDensity: Record<string, Point[]>;
  gradNorm: Record<string, Point[]>;
  /** Per layer with weights: the fraction of weight-gradient entries that are nonzero (pruned ones are not). */
  gradDensity: Record<string, Point[]>;
  /** Weight sparsity of each pruned layer, and the schedule's target, at every mask update. */
  sparsity: Record<string, Point[]>;
  /** Each layer's weight histogram at the latest evaluation, and at the first (to compare against). */
  weights: { step: number; layers: WeightHistogram[] } | null;
  firstWeights: { step: number; layers: WeightHistogram[] } | null;
  /** Where the run computes, as its events said. */
  runningOn: BackendName | null;
  /** Why a run asked for WebGPU is on the CPU (no GPU, or it was lost mid-run). */
  /** `from`: the backend the run left (absent in checkpoints from before wasm: then WebGPU). */
  fallback: { from?: BackendName; reason: string; step: number } | null;
  /** A numerical fault that paused the run, until rolled back or reset. */
  fault: { message: string; rollbackTo: number | null } | null;
  /** The step of the latest copy saved in this browser (IndexedDB). */
  savedStep: number | null;
  /** Why the latest save did not happen (storage full, another tab), until a save succeeds. */
  saveProblem: string | null;
  samples: SamplePredictions | null;
  confusion: { classes: number; counts: Int32Array; images: number } | null;
  filters: { shape: number[]; values: Float32Array; zeros: number } | null;
  /** Whether this slot's run has ended (done or stopped). */
  finished: boolean;
}

export interface TrainState {
  phase: Phase;
  data: DataSummary | null;
  dataProgress: DataProgress | null;
  dataError: string | null;
  runError: string | null;
  /** A message about checkpoints (restored, imported, refused), until dismissed. */
  notice: { kind: 'info' | 'error'; text: string } | null;
  /** Why runs in this tab are not saved in the browser (the lab is open in another tab), or null. */
  storageNote: string | null;
  settings: Settings;
  /** Whether WebGPU is usable here (asked once, from the worker). */
  gpu: GpuStatus | null;
  /** Whether the WebAssembly SIMD kernels run in this browser (null until the worker says). */
  wasm: WasmStatus | null;
  runs: Record<RunId, RunData>;
  /** A file is being exported or opened: the file buttons wait. */
  busy: boolean;
  /** How much the loss and training-accuracy curves are smoothed (exponential moving average, 0 … 0.99). */
  smoothing: number;
  /** Whether the learner asked to be notified when a run ends or faults (and the browser allowed it). */
  notify: boolean;
  /** The keyboard shortcuts' help is open. */
  shortcutsOpen: boolean;

  set: (partial: Partial<TrainState>) => void;
  setSettings: (partial: Partial<Settings>) => void;
  setRun: (id: RunId, partial: Partial<RunData>) => void;
  applyEvents: (id: RunId, events: TrainEvent[]) => void;
  /** Forgets everything charted after `step` (after a rollback). */
  truncateTo: (id: RunId, step: number) => void;
  clearRuns: () => void;
}

export function emptyRun(): RunData {
  return {
    loss: [],
    batchAccuracy: [],
    testAccuracy: [],
    fullTestAccuracy: [],
    fullTestImages: null,
    step: 0,
    epoch: 0,
    totalSteps: 0,
    imagesPerSec: 0,
    seconds: null,
    throughput: [],
    threads: null,
    lastCost: null,
    macs: { dense: [], 'ideal sparse': [], executed: [] },
    density: {},
    siteDensity: {},
    gradNorm: {},
    gradDensity: {},
    sparsity: {},
    weights: null,
    firstWeights: null,
    runningOn: null,
    fallback: null,
    fault: null,
    savedStep: null,
    saveProblem: null,
    samples: null,
    confusion: null,
    filters: null,
    finished: false,
  };
}

export const DEFAULT_SMOOTHING = 0.9;

export const DEFAULT_SETTINGS: Settings = {
  preset: 'tiny',
  specText: '',
  learningRate: '0.001',
  batchSize: '32',
  optimizer: 'adam',
  augment: true,
  seed: '1',
  workers: 0,
  backend: 'wasm',
  pruneTo: '0',
  pruneStart: '1',
  pruneEnd: '5',
  compare: false,
  trainSet: '10000',
  testSet: '500',
};

/** A run's series after a group of events; the input is not changed. */
export function withEvents(r: RunData, events: TrainEvent[]): RunData {
  const loss = r.loss.slice();
  const batchAccuracy = r.batchAccuracy.slice();
  const testAccuracy = r.testAccuracy.slice();
  const fullTestAccuracy = r.fullTestAccuracy.slice();
  const throughput = r.throughput.slice();
  let {
    fullTestImages,
    step,
    epoch,
    totalSteps,
    imagesPerSec,
    seconds,
    threads,
    lastCost,
    runningOn,
    fallback,
    density,
    siteDensity,
    gradNorm,
    gradDensity,
    sparsity,
    fault,
    weights,
    firstWeights,
    savedStep,
    saveProblem,
  } = r;
  const macs = { dense: r.macs.dense.slice(), 'ideal sparse': r.macs['ideal sparse'].slice(), executed: r.macs.executed.slice() };
  // Each per-layer series is copied once per group of events (the first time it grows), then pushed to:
  // copying it per point made a long run's charts quadratic.
  const copied = new Set<Point[]>();
  const append = (byLayer: Record<string, Point[]>, layer: string, point: Point) => {
    let series = byLayer[layer];
    if (!series || !copied.has(series)) {
      series = series ? series.slice() : [];
      copied.add(series);
      byLayer[layer] = series;
    }
    series.push(point);
  };
  for (const e of events) {
    switch (e.event) {
      case 'start':
        totalSteps = e.totalSteps;
        threads = { workers: e.workers, sharedMemory: e.sharedMemory };
        runningOn = e.backend;
        break;
      case 'fault':
        fault = { message: e.message, rollbackTo: e.rollbackTo };
        break;
      case 'saved':
        savedStep = e.step;
        saveProblem = null;
        break;
      case 'saveFailed':
        saveProblem = e.message;
        break;
      case 'prune':
        sparsity = { ...sparsity };
        append(sparsity, 'schedule target', { x: e.step, y: e.targetSparsity });
        for (const [layer, value] of Object.entries(e.layers)) append(sparsity, layer, { x: e.step, y: value });
        break;
      case 'stats':
        density = { ...density };
        siteDensity = { ...siteDensity };
        gradNorm = { ...gradNorm };
        gradDensity = { ...gradDensity };
        for (const l of e.layers) {
          if (l.type === 'relu' || l.type === 'maxPool2d') append(density, l.layer, { x: e.step, y: l.elementDensity });
          if ((l.type === 'relu' || l.type === 'maxPool2d') && l.siteDensity !== null) append(siteDensity, l.layer, { x: e.step, y: l.siteDensity });
          if (l.gradNorm !== null) append(gradNorm, l.layer, { x: e.step, y: l.gradNorm });
          if (l.gradDensity !== null) append(gradDensity, l.layer, { x: e.step, y: l.gradDensity });
        }
        break;
      case 'weights':
        weights = { step: e.step, layers: e.layers };
        firstWeights ??= weights;
        break;
      case 'backend':
        runningOn = e.backend;
        fallback = { from: e.from, reason: e.reason, step: e.step };
        break;
      case 'step': {
        step = e.step;
        epoch = e.epoch;
        imagesPerSec = e.imagesPerSec;
        seconds = e.seconds ?? null;
        throughput.push({ x: e.step, y: e.imagesPerSec });
        lastCost = e.cost;
        macs.dense.push({ x: e.step, y: e.cost.denseMacs });
        macs.executed.push({ x: e.step, y: e.cost.executedMacs });
        if (e.cost.idealMacs !== null) macs['ideal sparse'].push({ x: e.step, y: e.cost.idealMacs });
        loss.push({ x: e.step, y: e.loss });
        batchAccuracy.push({ x: e.step, y: e.batchAccuracy });
        break;
      }
      case 'eval':
        if (e.images > QUICK_EVAL_IMAGES) {
          fullTestAccuracy.push({ x: e.step, y: e.testAccuracy });
          fullTestImages = e.images;
        } else testAccuracy.push({ x: e.step, y: e.testAccuracy });
        break;
    }
  }
  return {
    ...r,
    loss,
    batchAccuracy,
    testAccuracy,
    fullTestAccuracy,
    fullTestImages,
    step,
    epoch,
    totalSteps,
    imagesPerSec,
    seconds,
    throughput,
    threads,
    lastCost,
    runningOn,
    fallback,
    density,
    siteDensity,
    gradNorm,
    gradDensity,
    sparsity,
    fault,
    weights,
    firstWeights,
    savedStep,
    saveProblem,
    macs,
  };
}

function truncated(r: RunData, step: number): RunData {
  const keep = (points: Point[]) => points.filter((p) => p.x <= step);
  const keepAll = (byLayer: Record<string, Point[]>) => Object.fromEntries(Object.entries(byLayer).map(([k, v]) => [k, keep(v)]));
  return {
    ...r,
    step,
    fault: null,
    loss: keep(r.loss),
    throughput: keep(r.throughput),
    macs: { dense: keep(r.macs.dense), 'ideal sparse': keep(r.macs['ideal sparse']), executed: keep(r.macs.executed) },
    batchAccuracy: keep(r.batchAccuracy),
    testAccuracy: keep(r.testAccuracy),
    fullTestAccuracy: keep(r.fullTestAccuracy),
    density: keepAll(r.density),
    siteDensity: keepAll(r.siteDensity),
    gradNorm: keepAll(r.gradNorm),
    gradDensity: keepAll(r.gradDensity),
    sparsity: keepAll(r.sparsity),
  };
}

export const useTrainStore = create<TrainState>((set) => ({
  phase: 'checking',
  data: null,
  dataProgress: null,
  dataError: null,
  runError: null,
  notice: null,
  storageNote: null,
  settings: DEFAULT_SETTINGS,
  gpu: null,
  wasm: null,
  runs: { a: emptyRun(), b: emptyRun() },
  busy: false,
  smoothing: DEFAULT_SMOOTHING,
  notify: false,
  shortcutsOpen: false,

  set: (partial) => set(partial),
  setSettings: (partial) => set((s) => ({ settings: { ...s.settings, ...partial } })),
  setRun: (id, partial) => set((s) => ({ runs: { ...s.runs, [id]: { ...s.runs[id], ...partial } } })),
  applyEvents: (id, events) => set((s) => ({ runs: { ...s.runs, [id]: withEvents(s.runs[id], events) } })),
  truncateTo: (id, step) => set((s) => ({ runs: { ...s.runs, [id]: truncated(s.runs[id], step) } })),
  clearRuns: () => set({ runs: { a: emptyRun(), b: emptyRun() }, runError: null }),
}));
