/**
 * State of the training page. Chart series are appended from the worker's event groups; nothing here
 * computes tensors.
 */
import { create } from 'zustand';
import type { DataProgress } from '../../engine/data/fetchCifar10';
import type { PresetName } from '../../engine/model/spec';
import type { DataSummary, SamplePredictions } from '../../engine/train/session';
import type { Backend, StepCost, TrainEvent } from '../../engine/train/trainer';
import type { GpuStatus } from '../../engine/train/session';

export type Phase = 'checking' | 'loading-installed' | 'no-data' | 'loading-file' | 'ready' | 'training' | 'paused' | 'done';

export interface Point {
  x: number;
  y: number;
}

export interface Settings {
  preset: PresetName;
  learningRate: string;
  batchSize: string;
  optimizer: 'adam' | 'sgd';
  augment: boolean;
  seed: string;
  /** Gradient workers; 0 until the page has read the hardware's thread count. */
  workers: number;
  backend: Backend;
  /** Fraction of conv2's and fc1's weights to prune ('0': no pruning), and the schedule's epochs. */
  pruneTo: string;
  pruneStart: string;
  pruneEnd: string;
}

export interface TrainState {
  phase: Phase;
  data: DataSummary | null;
  dataProgress: DataProgress | null;
  dataError: string | null;
  runError: string | null;
  settings: Settings;
  loss: Point[];
  smoothLoss: Point[];
  trainAccuracy: Point[];
  testAccuracy: Point[];
  step: number;
  epoch: number;
  totalSteps: number;
  imagesPerSec: number;
  /** How the running (or last) run computes gradients, as its start event said. */
  threads: { workers: number; sharedMemory: boolean } | null;
  /** The convolutions' multiply counters of the latest step. */
  lastCost: StepCost | null;
  /** Per step: the convolutions' dense, ideal and executed MACs. */
  macs: Record<'dense' | 'ideal sparse' | 'executed', Point[]>;
  /** Per layer, over steps: output element density (ReLU and pooling layers) and gradient norm (layers with weights). */
  density: Record<string, Point[]>;
  gradNorm: Record<string, Point[]>;
  /** Per layer with weights: the fraction of weight-gradient entries that are nonzero (pruned ones are not). */
  gradDensity: Record<string, Point[]>;
  /** Weight sparsity of each pruned layer, and the schedule's target, at every mask update. */
  sparsity: Record<string, Point[]>;
  /** Where the run computes, as its events said. */
  runningOn: Backend | null;
  /** Why a run asked for WebGPU is on the CPU (no GPU, or it was lost mid-run). */
  fallback: { reason: string; step: number } | null;
  /** A numerical fault that paused the run, until rolled back or reset. */
  fault: { message: string; rollbackTo: number | null } | null;
  /** Forgets everything charted after `step` (after a rollback). */
  truncateTo: (step: number) => void;
  /** Whether WebGPU is usable here (asked once, from the worker). */
  gpu: GpuStatus | null;
  samples: SamplePredictions | null;
  confusion: { classes: number; counts: Int32Array; images: number } | null;
  filters: { shape: number[]; values: Float32Array; zeros: number } | null;

  set: (partial: Partial<TrainState>) => void;
  setSettings: (partial: Partial<Settings>) => void;
  applyEvents: (events: TrainEvent[]) => void;
  clearRun: () => void;
}

const SMOOTHING = 0.9;

const emptyRun = {
  loss: [] as Point[],
  smoothLoss: [] as Point[],
  trainAccuracy: [] as Point[],
  testAccuracy: [] as Point[],
  step: 0,
  epoch: 0,
  totalSteps: 0,
  imagesPerSec: 0,
  threads: null,
  lastCost: null,
  confusion: null,
  filters: null,
  runningOn: null,
  fallback: null,
  fault: null,
  macs: { dense: [] as Point[], 'ideal sparse': [] as Point[], executed: [] as Point[] },
  density: {} as Record<string, Point[]>,
  gradNorm: {} as Record<string, Point[]>,
  gradDensity: {} as Record<string, Point[]>,
  sparsity: {} as Record<string, Point[]>,
  samples: null,
  runError: null,
};

export const useTrainStore = create<TrainState>((set) => ({
  phase: 'checking',
  data: null,
  dataProgress: null,
  dataError: null,
  settings: { preset: 'tiny', learningRate: '0.001', batchSize: '32', optimizer: 'adam', augment: true, seed: '1', workers: 0, backend: 'cpu', pruneTo: '0', pruneStart: '1', pruneEnd: '5' },
  gpu: null,
  ...emptyRun,

  set: (partial) => set(partial),
  setSettings: (partial) => set((s) => ({ settings: { ...s.settings, ...partial } })),
  clearRun: () => set(emptyRun),
  truncateTo: (step) =>
    set((s) => {
      const keep = (points: Point[]) => points.filter((p) => p.x <= step);
      const keepAll = (byLayer: Record<string, Point[]>) => Object.fromEntries(Object.entries(byLayer).map(([k, v]) => [k, keep(v)]));
      return {
        step,
        fault: null,
        loss: keep(s.loss),
        macs: { dense: keep(s.macs.dense), 'ideal sparse': keep(s.macs['ideal sparse']), executed: keep(s.macs.executed) },
        smoothLoss: keep(s.smoothLoss),
        trainAccuracy: keep(s.trainAccuracy),
        testAccuracy: keep(s.testAccuracy),
        density: keepAll(s.density),
        gradNorm: keepAll(s.gradNorm),
        gradDensity: keepAll(s.gradDensity),
        sparsity: keepAll(s.sparsity),
      };
    }),

  applyEvents: (events) =>
    set((s) => {
      const loss = s.loss.slice();
      const smoothLoss = s.smoothLoss.slice();
      const trainAccuracy = s.trainAccuracy.slice();
      const testAccuracy = s.testAccuracy.slice();
      let { step, epoch, totalSteps, imagesPerSec, threads, lastCost, runningOn, fallback, density, gradNorm, gradDensity, sparsity, fault, phase } = s;
      const macs = { dense: s.macs.dense.slice(), 'ideal sparse': s.macs['ideal sparse'].slice(), executed: s.macs.executed.slice() };
      let smoothAcc = trainAccuracy.length ? trainAccuracy[trainAccuracy.length - 1].y : null;
      for (const e of events) {
        if (e.event === 'start') {
          totalSteps = e.totalSteps;
          threads = { workers: e.workers, sharedMemory: e.sharedMemory };
          runningOn = e.backend;
        }
        if (e.event === 'fault') {
          fault = { message: e.message, rollbackTo: e.rollbackTo };
          phase = 'paused';
        }
        if (e.event === 'prune') {
          sparsity = { ...sparsity, 'schedule target': [...(sparsity['schedule target'] ?? []), { x: e.step, y: e.targetSparsity }] };
          for (const [layer, value] of Object.entries(e.layers)) sparsity[layer] = [...(sparsity[layer] ?? []), { x: e.step, y: value }];
        }
        if (e.event === 'stats') {
          density = { ...density };
          gradNorm = { ...gradNorm };
          gradDensity = { ...gradDensity };
          for (const l of e.layers) {
            if (l.type === 'relu' || l.type === 'maxPool2d') density[l.layer] = [...(density[l.layer] ?? []), { x: e.step, y: l.elementDensity }];
            if (l.gradNorm !== null) gradNorm[l.layer] = [...(gradNorm[l.layer] ?? []), { x: e.step, y: l.gradNorm }];
            if (l.gradDensity !== null) gradDensity[l.layer] = [...(gradDensity[l.layer] ?? []), { x: e.step, y: l.gradDensity }];
          }
        }
        if (e.event === 'backend') {
          runningOn = e.backend;
          fallback = { reason: e.reason, step: e.step };
        }
        if (e.event === 'step') {
          step = e.step;
          epoch = e.epoch;
          imagesPerSec = e.imagesPerSec;
          lastCost = e.cost;
          macs.dense.push({ x: e.step, y: e.cost.denseMacs });
          macs.executed.push({ x: e.step, y: e.cost.executedMacs });
          if (e.cost.idealMacs !== null) macs['ideal sparse'].push({ x: e.step, y: e.cost.idealMacs });
          loss.push({ x: e.step, y: e.loss });
          const prev = smoothLoss.length ? smoothLoss[smoothLoss.length - 1].y : e.loss;
          smoothLoss.push({ x: e.step, y: SMOOTHING * prev + (1 - SMOOTHING) * e.loss });
          smoothAcc = smoothAcc === null ? e.batchAccuracy : SMOOTHING * smoothAcc + (1 - SMOOTHING) * e.batchAccuracy;
          trainAccuracy.push({ x: e.step, y: smoothAcc });
        }
        if (e.event === 'eval') testAccuracy.push({ x: e.step, y: e.testAccuracy });
      }
      return { loss, smoothLoss, trainAccuracy, testAccuracy, step, epoch, totalSteps, imagesPerSec, threads, lastCost, runningOn, fallback, density, gradNorm, gradDensity, sparsity, fault, phase, macs };
    }),
}));
