/**
 * Three ways to make the same share of a weight tensor zero, and what each one keeps. Unstructured pruning
 * drops the smallest weights wherever they are; N:M keeps the N largest of every M consecutive weights along
 * a filter's inputs (the 2:4 pattern of GPU sparse tensor cores); channel pruning drops whole output filters,
 * the smallest by L2 norm. The more structure, the easier the hardware can skip the zeros — and the more
 * large weights are lost on the way, which `keptEnergy` measures.
 */
import { pruneSmallest } from './pruning';

export type SparsityPattern = 'unstructured' | 'nOfM' | 'channel';
export const SPARSITY_PATTERNS: readonly SparsityPattern[] = ['unstructured', 'nOfM', 'channel'];

/** A weight tensor seen as `rows` output filters of `cols` weights each ([K, C, R, S] → K × C·R·S). */
export interface WeightMatrix {
  values: Float32Array;
  rows: number;
  cols: number;
}

/** Keeps the `keep` largest magnitudes of every `group` consecutive weights in a row (1 kept, 0 dropped). */
export function nOfMMask(w: WeightMatrix, keep: number, group: number): Uint8Array {
  if (!(Number.isInteger(keep) && Number.isInteger(group) && keep >= 0 && keep <= group && w.cols % group === 0)) {
    throw new RangeError(`${keep}:${group} needs 0 ≤ ${keep} ≤ ${group} and rows of a multiple of ${group} weights, got ${w.cols}`);
  }
  const mask = new Uint8Array(w.values.length);
  const order = Array.from({ length: group }, (_, i) => i);
  for (let start = 0; start < w.values.length; start += group) {
    // Largest first; the earlier index wins a tie, so the mask is deterministic.
    order.sort((a, b) => Math.abs(w.values[start + b]) - Math.abs(w.values[start + a]) || a - b);
    for (let i = 0; i < keep; i++) mask[start + order[i]] = 1;
    order.sort((a, b) => a - b);
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

/** The mask of a pattern at a sparsity; N:M uses groups of 4 (sparsity 0.5 is 2:4, 0.75 is 1:4). */
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
