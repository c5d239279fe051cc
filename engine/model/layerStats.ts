/**
 * Per-layer numbers for the training lab's charts, measured on a training step: how dense each layer's
 * output is (element density, and site density — a pixel with any nonzero channel), and for layers with
 * weights, the weight sparsity, the gradient's L2 norm and its density (nonzero entries / entries).
 */
import type { Layer } from './layers';
import { Tensor } from '../tensor/tensor';

export interface LayerStats {
  layer: string;
  type: string;
  elementDensity: number;
  /** Only for [N, C, H, W] outputs. */
  siteDensity: number | null;
  /** Only for layers with weights (conv2d, linear): about the weight tensor, not the bias. */
  weightSparsity: number | null;
  gradNorm: number | null;
  gradDensity: number | null;
}

/** Element and site density of one layer output. */
export function outputDensity(t: Tensor): { elementDensity: number; siteDensity: number | null } {
  let nonzeros = 0;
  for (let i = 0; i < t.size; i++) if (t.data[i] !== 0) nonzeros++;
  const elementDensity = t.size ? nonzeros / t.size : 0;
  if (t.shape.length !== 4) return { elementDensity, siteDensity: null };
  const [N, C, H, W] = t.shape;
  const plane = H * W;
  const active = new Uint8Array(N * plane);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * plane;
      for (let p = 0; p < plane; p++) if (t.data[base + p] !== 0) active[n * plane + p] = 1;
    }
  let sites = 0;
  for (let i = 0; i < active.length; i++) sites += active[i];
  return { elementDensity, siteDensity: active.length ? sites / active.length : 0 };
}

export type OutputDensity = ReturnType<typeof outputDensity>;

/**
 * Output densities of several shards of one batch as one: the shards' images have the same number of
 * elements and sites, so the batch's density is the image-weighted mean.
 */
export function combineDensities(shards: { count: number; densities: OutputDensity[] }[]): OutputDensity[] {
  const total = shards.reduce((s, r) => s + r.count, 0);
  return shards[0].densities.map((_, i) => {
    const site = shards[0].densities[i].siteDensity;
    return {
      elementDensity: shards.reduce((s, r) => s + r.count * r.densities[i].elementDensity, 0) / total,
      siteDensity: site === null ? null : shards.reduce((s, r) => s + r.count * r.densities[i].siteDensity!, 0) / total,
    };
  });
}

/**
 * Stats of every layer: output densities from the step's forward pass (one per layer; `outputDensity` of
 * each output), and for layers with weights, the weight tensor's values and gradient (read back from any
 * backend; null for layers without).
 */
export function layerStatsFrom(
  layers: readonly Pick<Layer, 'name' | 'spec'>[],
  densities: OutputDensity[],
  weights: ({ value: Float32Array; grad: Float32Array } | null)[],
): LayerStats[] {
  return layers.map((layer, i) => {
    const weight = weights[i];
    let zeros = 0;
    let gradSquares = 0;
    let gradNonzeros = 0;
    if (weight) {
      for (let j = 0; j < weight.value.length; j++) {
        if (weight.value[j] === 0) zeros++;
        const g = weight.grad[j];
        gradSquares += g * g;
        if (g !== 0) gradNonzeros++;
      }
    }
    return {
      layer: layer.name,
      type: layer.spec.type,
      ...densities[i],
      weightSparsity: weight ? zeros / weight.value.length : null,
      gradNorm: weight ? Math.sqrt(gradSquares) : null,
      gradDensity: weight ? gradNonzeros / weight.value.length : null,
    };
  });
}
