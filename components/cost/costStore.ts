/** State of the cost lab page: what to measure, progress, and the engine's results. */
import { create } from 'zustand';
import type { CostProgress, LayerCostResult } from '../../engine/cost/costLab';
import type { SweepPoint } from '../../engine/cost/sweep';
import type { GpuStatus } from '../../engine/train/session';

export interface CostState {
  gpu: GpuStatus | null;
  threads: number;
  /** The model to measure layer by layer. */
  model: 'tiny' | 'seed' | 'checkpoint';
  pruneTo: string;
  batch: string;
  checkpoint: File | null;
  useGpu: boolean;
  /** Which measurement runs (one at a time), and how far it is. */
  running: 'layers' | 'sweep' | null;
  progress: CostProgress | null;
  layers: LayerCostResult | null;
  layersError: string | null;
  sweepGrid: 'quick' | 'bench';
  sweepPoints: SweepPoint[];
  sweepCrossover: number | null;
  sweepStopped: boolean;
  sweepError: string | null;
  /** Whether the settings a link carries (?cost.model=…) were read into this store: only then are they written back. */
  urlRead: boolean;
  set: (partial: Partial<CostState>) => void;
}

export const useCostStore = create<CostState>((set) => ({
  gpu: null,
  threads: 1,
  model: 'seed',
  pruneTo: '0.9',
  batch: '8',
  checkpoint: null,
  useGpu: true,
  running: null,
  progress: null,
  layers: null,
  layersError: null,
  sweepGrid: 'bench',
  sweepPoints: [],
  sweepCrossover: null,
  sweepStopped: false,
  sweepError: null,
  urlRead: false,
  set: (partial) => set(partial),
}));
