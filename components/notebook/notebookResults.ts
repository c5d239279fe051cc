/**
 * What the notebook's slower cells measured on this visit, for the self-checks that ask about them: the
 * training cell's last accuracy per pruning setting (chapter 4). The sweep's crossover lives in the cost
 * lab's store, which the sweep cell shares.
 */
import { create } from 'zustand';

export interface TrainCellRun {
  preset: string;
  steps: number;
  seed: number;
  accuracy: number;
}

interface NotebookResults {
  /** The last finished run of the training cell, by its pruning setting ('0', '0.5', '0.9'). */
  trainRuns: Record<string, TrainCellRun>;
  recordTrainRun: (prune: string, run: TrainCellRun) => void;
}

export const useNotebookResults = create<NotebookResults>((set) => ({
  trainRuns: {},
  recordTrainRun: (prune, run) => set((s) => ({ trainRuns: { ...s.trainRuns, [prune]: run } })),
}));
