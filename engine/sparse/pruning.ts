/**
 * Magnitude pruning: weight sparsity on purpose. The smallest-magnitude weights are set to zero and kept
 * there by a mask, so that sparse kernels can skip them.
 *
 * - One-shot: `magnitudeMasks` removes a fraction of the weights, per layer or globally (one threshold over
 *   all pruned layers, so layers with many small weights lose more).
 * - Gradual (Zhu & Gupta, 2017): the target sparsity grows along a cubic curve from s_i at step t0 to s_f at
 *   step t0 + nΔt, pruning fast at first, while the network still has slack, and gently at the end:
 *     s_t = s_f + (s_i − s_f) · (1 − (t − t0) / (nΔt))³.
 *
 * Masks persist: a pruned weight has its gradient masked and its optimizer state cleared, so it stays exactly
 * zero through training.
 */
import { Param } from '../tensor/param';

export type PruneScope = 'layer' | 'global';

/** Layer name of a parameter: "conv2.weight" → "conv2". */
export function layerOf(param: Param): string {
  return param.name.slice(0, param.name.lastIndexOf('.'));
}

/** The weights that pruning may touch: every conv and linear weight, or only those of `layers`. */
export function prunableParams(params: Param[], layers?: readonly string[]): Param[] {
  const weights = params.filter((p) => p.name.endsWith('.weight'));
  if (!layers || layers.length === 0) return weights;
  const known = new Set(weights.map(layerOf));
  const unknown = layers.filter((l) => !known.has(l));
  if (unknown.length) throw new RangeError(`cannot prune ${unknown.join(', ')}: the model's prunable layers are ${[...known].join(', ')}`);
  return weights.filter((p) => layers.includes(layerOf(p)));
}

/**
 * Keeps the largest magnitudes and marks the rest pruned (0). Exactly round(sparsity · n) weights are pruned;
 * among equal magnitudes the earlier index goes first, so the result is deterministic.
 */
export function pruneSmallest(values: Float32Array[], sparsity: number): Uint8Array[] {
  const total = values.reduce((s, v) => s + v.length, 0);
  const toPrune = Math.round(Math.min(1, Math.max(0, sparsity)) * total);
  const masks = values.map((v) => new Uint8Array(v.length).fill(1));
  if (toPrune === 0) return masks;
  const magnitudes = new Float32Array(total);
  let at = 0;
  for (const v of values) for (let i = 0; i < v.length; i++) magnitudes[at++] = Math.abs(v[i]);
  const sorted = magnitudes.slice().sort();
  const threshold = sorted[toPrune - 1];
  // Everything below the threshold goes; then entries equal to it, in index order, until the count is met.
  let below = 0;
  for (let i = 0; i < total; i++) if (magnitudes[i] < threshold) below++;
  let equalsToPrune = toPrune - below;
  at = 0;
  values.forEach((v, t) => {
    for (let i = 0; i < v.length; i++, at++) {
      const m = magnitudes[at];
      if (m < threshold || (m === threshold && equalsToPrune-- > 0)) masks[t][i] = 0;
    }
  });
  return masks;
}

export function magnitudeMasks(params: Param[], sparsity: number, scope: PruneScope = 'layer'): Map<string, Uint8Array> {
  if (!(sparsity >= 0 && sparsity <= 1)) throw new RangeError(`sparsity must be between 0 and 1, got ${sparsity}`);
  const masks = new Map<string, Uint8Array>();
  if (scope === 'global') {
    pruneSmallest(
      params.map((p) => p.value.data),
      sparsity,
    ).forEach((mask, i) => masks.set(params[i].name, mask));
  } else {
    for (const p of params) masks.set(p.name, pruneSmallest([p.value.data], sparsity)[0]);
  }
  return masks;
}

/** Zeroes the pruned weights (and their gradients). */
export function applyMasks(params: Param[], masks: Map<string, Uint8Array>): void {
  for (const p of params) {
    const mask = masks.get(p.name);
    if (!mask) continue;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] === 0) {
        p.value.data[i] = 0;
        p.grad.data[i] = 0;
      }
    }
  }
}

/** Zeroes the gradients of pruned weights, so the optimizer never moves them. */
export function maskGradients(params: Param[], masks: Map<string, Uint8Array>): void {
  for (const p of params) {
    const mask = masks.get(p.name);
    if (!mask) continue;
    for (let i = 0; i < mask.length; i++) if (mask[i] === 0) p.grad.data[i] = 0;
  }
}

export interface GradualPruning {
  initialSparsity: number;
  finalSparsity: number;
  startStep: number;
  endStep: number;
}

/** Zhu & Gupta's cubic schedule: the target sparsity at step t (s_i before t0, s_f after the end). */
export function scheduledSparsity(step: number, s: GradualPruning): number {
  // End first: a schedule with no length (start = end) is one-shot pruning to the final sparsity.
  if (step >= s.endStep) return s.finalSparsity;
  if (step <= s.startStep) return s.initialSparsity;
  const progress = (step - s.startStep) / (s.endStep - s.startStep);
  return s.finalSparsity + (s.initialSparsity - s.finalSparsity) * Math.pow(1 - progress, 3);
}

/** Fraction of zeros in each parameter. */
export function weightSparsity(params: Param[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of params) {
    let zeros = 0;
    for (let i = 0; i < p.value.size; i++) if (p.value.data[i] === 0) zeros++;
    out[layerOf(p)] = p.value.size ? zeros / p.value.size : 0;
  }
  return out;
}
