/** What the training page's views share: the run length, colours, number formats and class names. */
import { useMemo } from 'react';
import { fill, useMessages } from '../../i18n/locale';
import type { Messages } from '../../i18n/messages/en';
import type { BackendName } from '../../engine/backend/backend';
import { Point, useTrainStore } from './trainStore';

/** Epochs of a page run; one training batch (10,000 images) first keeps the download and memory small. */
export const EPOCHS = 20;
export const TRAIN_BATCHES = 1;
/** What one CIFAR-10 image takes in the tab: its label byte and 3 × 32 × 32 pixel bytes. */
export const BYTES_PER_IMAGE = 3073;
export const EVAL_EVERY_STEPS = 40;
export const SAMPLE_COUNT = 16;

export const COLORS = { loss: '#1f5fbf', train: '#e08a00', test: '#1f5fbf', fullTest: '#000000' };
/** One colour per run when two are compared: dense blue, pruned vermilion (Okabe–Ito). */
export const RUN_COLORS = { a: '#0072b2', b: '#d55e00' } as const;
/** One colour per layer (colour-blind-safe Okabe–Ito), in layer order. */
const LAYER_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000'];

/**
 * An exponential moving average of a series (each point: smoothing × the previous average + the rest ×
 * its value), the way a noisy per-step curve is read; 0 leaves it as it is.
 */
export function smoothed(points: Point[], smoothing: number): Point[] {
  if (!(smoothing > 0)) return points;
  const out = new Array<Point>(points.length);
  let average = points.length ? points[0].y : 0;
  for (let i = 0; i < points.length; i++) {
    average = smoothing * average + (1 - smoothing) * points[i].y;
    out[i] = { x: points[i].x, y: average };
  }
  return out;
}

export const layerSeries = (byLayer: Record<string, { x: number; y: number }[]>) =>
  Object.entries(byLayer).map(([name, points], i) => ({ name, points, color: LAYER_COLORS[i % LAYER_COLORS.length] }));

export const percent = (v: number) => `${(v * 100).toFixed(0)}%`;
export const wholeNumber = (v: number) => v.toFixed(0);

/** A backend's name as the controls write it. */
export function backendLabel(b: BackendName | undefined, m: Messages['lab']['controls']): string {
  return b === 'wasm' ? m.wasm : b === 'cpu' ? m.cpu : 'WebGPU';
}

export function threadsTitle(threads: { workers: number; sharedMemory: boolean } | null, m: Messages['lab']['run']): string {
  if (!threads) return m.threadsNone;
  if (threads.workers === 1) return m.threadsOne;
  return fill(threads.sharedMemory ? m.threadsShared : m.threadsMessages, { n: threads.workers });
}

/** The data's class names as the page's language writes them (a name it does not know stays as it is). */
export function useClassNames(): string[] {
  const names = useTrainStore((s) => s.data?.classNames ?? NO_NAMES);
  const translated = useMessages().lab.classes as Record<string, string>;
  return useMemo(() => names.map((n) => translated[n] ?? n), [names, translated]);
}
const NO_NAMES: string[] = [];
