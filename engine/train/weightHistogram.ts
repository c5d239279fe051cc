/**
 * Weight histograms per layer, for the training lab: how the weights spread, and how many are exactly zero
 * (pruned). The zeros are counted apart, or a pruned layer's histogram would be one tall bar at 0.
 */
import type { Model } from '../model/model';

export interface WeightHistogram {
  layer: string;
  /** Bin edges: `bins + 1` values, symmetric around 0. */
  edges: number[];
  /** Nonzero weights per bin. */
  counts: number[];
  zeros: number;
  total: number;
}

export const WEIGHT_HISTOGRAM_BINS = 40;

export function weightHistogram(layer: string, values: Float32Array, bins = WEIGHT_HISTOGRAM_BINS): WeightHistogram {
  let max = 0;
  let zeros = 0;
  for (const v of values) {
    if (v === 0) zeros++;
    else if (Math.abs(v) > max) max = Math.abs(v);
  }
  const limit = max || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (v === 0) continue;
    counts[Math.min(bins - 1, Math.floor(((v + limit) / (2 * limit)) * bins))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => -limit + (2 * limit * i) / bins);
  return { layer, edges, counts, zeros, total: values.length };
}

/** One histogram per layer with weights (conv and linear), in layer order. */
export function modelWeightHistograms(model: Model, bins = WEIGHT_HISTOGRAM_BINS): WeightHistogram[] {
  return model.params().flatMap((p) => (p.name.endsWith('.weight') ? [weightHistogram(p.name.replace(/\.weight$/, ''), p.value.data, bins)] : []));
}
