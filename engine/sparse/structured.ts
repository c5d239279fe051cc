/**
 * Three ways to make the same share of a weight tensor zero, and what each one keeps. Unstructured pruning
 * drops the smallest weights wherever they are; N:M keeps the N largest of every M weights that sit at the
 * same kernel tap of M consecutive input channels (the 2:4 pattern of GPU sparse tensor cores, which group
 * along the input channels, not in C·R·S order); channel pruning drops whole output filters,
 * the smallest by L2 norm. The more structure, the easier the hardware can skip the zeros — and the more
 * large weights are lost on the way, which `keptEnergy` measures.
 */
import { pruneSmallest } from './pruning';

export type SparsityPattern = 'unstructured' | 'nOfM' | 'channel';
export const SPARSITY_PATTERNS: readonly SparsityPattern[] = ['unstructured', 'nOfM', 'channel'];

/**
 * A weight tensor seen as `rows` output filters of `cols` weights each ([K, C, R, S] → K × C·R·S), where
 * each input channel holds `taps` consecutive weights (R·S for a convolution; 1, the default, for a linear
 * layer).
 */
export interface WeightMatrix {
  values: Float32Array;
  rows: number;
  cols: number;
  taps?: number;
}

/**
 * Keeps the `keep` largest magnitudes of every group of `group` weights that share a filter and a tap and
 * belong to `group` consecutive input channels (1 kept, 0 dropped) — how NVIDIA's 2:4 groups a convolution.
 */
export function nOfMMask(w: WeightMatrix, keep: number, group: number): Uint8Array {
  const taps = w.taps ?? 1;
  const channels = w.cols / taps;
  if (!(Number.isInteger(keep) && Number.isInteger(group) && keep >= 0 && keep <= group && Number.isInteger(channels) && channels % group === 0)) {
    throw new RangeError(`${keep}:${group} needs 0 ≤ ${keep} ≤ ${group} and a multiple of ${group} input channels, got ${channels}`);
  }
  const mask = new Uint8Array(w.values.length);
  const members = new Array<number>(group);
  const order = Array.from({ length: group }, (_, i) => i);
  for (let r = 0; r < w.rows; r++) {
    for (let c0 = 0; c0 < channels; c0 += group) {
      for (let t = 0; t < taps; t++) {
        for (let g = 0; g < group; g++) members[g] = r * w.cols + (c0 + g) * taps + t;
        // Largest first; the earlier channel wins a tie, so the mask is deterministic.
        order.sort((a, b) => Math.abs(w.values[members[b]]) - Math.abs(w.values[members[a]]) || a - b);
        for (let i = 0; i < keep; i++) mask[members[order[i]]] = 1;
        order.sort((a, b) => a - b);
      }
    }
  }
  return mask;
}

/** Drops round(sparsity · rows) whole rows (output filters), those with the smallest L2 norm. */
export function channelMask(w: WeightMatrix, sparsity: number): Uint8Array {
  const norms = new Float32Array(w.rows);
  for (let r = 0; r < w.rows; r++) {
    let s = 0;
    for (let c = 0; c < w.cols; c++) s += w.values[r * w.cols + c] ** 2;
    norms[r] = Math.sqrt(s);
  }
  const keptRows = pruneSmallest([norms], sparsity)[0];
  const mask = new Uint8Array(w.values.length);
  for (let r = 0; r < w.rows; r++) if (keptRows[r]) mask.fill(1, r * w.cols, (r + 1) * w.cols);
  return mask;
}

/**
 * The mask of a pattern at a sparsity; N:M uses groups of 4 along the input channels (sparsity 0.5 is 2:4,
 * which tensor cores run; 0.75 is 1:4, which they do not).
 */
export function patternMask(w: WeightMatrix, pattern: SparsityPattern, sparsity: number): Uint8Array {
  if (pattern === 'unstructured') return pruneSmallest([w.values], sparsity)[0];
  if (pattern === 'channel') return channelMask(w, sparsity);
  return nOfMMask(w, Math.round(4 * (1 - sparsity)), 4);
}

/** The share of the weights' squared magnitude Σw² that the mask keeps: 1 means nothing that mattered was lost. */
export function keptEnergy(values: Float32Array, mask: Uint8Array): number {
  let kept = 0;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const e = values[i] * values[i];
    total += e;
    if (mask[i]) kept += e;
  }
  return total > 0 ? kept / total : 1;
}
