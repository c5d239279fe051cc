/** State of the cost lab page: what to measure, progress, and the engine's results. */
import { create } from 'zustand';
import type { CostProgress, ForwardComparison, LayerCostResult, RooflineResult } from '../../engine/cost/costLab';
import type { SweepPoint } from '../../engine/cost/sweep';
import type { BackendName } from '../../engine/backend/backend';
import type { CrossoverMeasurement } from '../../engine/cost/calibration';
import type { GpuStatus, WasmStatus } from '../../engine/train/session';

export interface CostState {
  gpu: GpuStatus | null;
  wasm: WasmStatus | null;
  threads: number;
  /** The model to measure layer by layer. */
  model: 'tiny' | 'seed' | 'checkpoint';
  pruneTo: string;
  batch: string;
  checkpoint: File | null;
  useWasm: boolean;
  useGpu: boolean;
  /** Which measurement runs (one at a time), and how far it is. */
  running: 'layers' | 'sweep' | 'reference' | 'roofline' | null;
  progress: CostProgress | null;
  layers: LayerCostResult | null;
  layersError: string | null;
  reference: ForwardComparison | null;
  referenceError: string | null;
  sweepGrid: 'quick' | 'bench';
  /** The backend the sweep runs on, and the one the points shown were measured on. */
  sweepBackend: BackendName;
  sweepMeasuredOn: BackendName | null;
  /** What `auto` uses per backend on this device (null: not measured yet), and which one is being re-measured. */
  crossovers: Partial<Record<BackendName, CrossoverMeasurement | null>>;
  remeasuring: BackendName | null;
  sweepPoints: SweepPoint[];
  sweepCrossover: number | null;
  sweepStopped: boolean;
  sweepError: string | null;
  /** The roofline: the backend and preset it measures, and what it measured. */
  rooflineBackend: BackendName;
  rooflinePreset: 'tiny' | 'seed';
  roofline: RooflineResult | null;
  rooflineError: string | null;
  /** Whether the settings a link carries (?cost.model=…) were read into this store: only then are they written back. */
  urlRead: boolean;
  set: (partial: Partial<CostState>) => void;
}

export const useCostStore = create<CostState>((set) => ({
  gpu: null,
  wasm: null,
  threads: 1,
  model: 'seed',
  pruneTo: '0.9',
  batch: '8',
  checkpoint: null,
  useWasm: true,
  useGpu: true,
  running: null,
  progress: null,
  layers: null,
  layersError: null,
  reference: null,
  referenceError: null,
  sweepGrid: 'bench',
  sweepBackend: 'wasm',
  sweepMeasuredOn: null,
  crossovers: {},
  remeasuring: null,
  sweepPoints: [],
  sweepCrossover: null,
  sweepStopped: false,
  sweepError: null,
  rooflineBackend: 'wasm',
  rooflinePreset: 'seed',
  roofline: null,
  rooflineError: null,
  urlRead: false,
  set: (partial) => set(partial),
}));
