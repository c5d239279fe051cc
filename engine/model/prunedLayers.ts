/** Which layers of a model the app prunes, and pruning them: a model-level choice over the sparse tools. */
import { magnitudeMasks, prunableParams } from '../sparse/pruning';
import type { Model } from './model';
import { layerNames, layerParameterShapes, ModelSpec } from './spec';

/**
 * The layers the app prunes by default: every conv and linear layer but the first and the last. The first
 * sees raw pixels and has few weights; the last decides between classes. For the article's model that is
 * conv2 and fc1, the two layers that hold 99.6% of its weights.
 */
export function defaultPrunedLayers(spec: ModelSpec): string[] {
  const names = layerNames(spec);
  const withWeights = names.filter((_, i) => layerParameterShapes(spec.layers[i]) !== null);
  return withWeights.slice(1, -1);
}

/**
 * Prunes a CPU model's hidden layers (`defaultPrunedLayers`) to `sparsity` zeros by magnitude — masks
 * installed, so its kernels skip the pruned weights — and returns their names (none when `sparsity` is 0).
 */
export function pruneHiddenLayers(model: Model, sparsity: number): string[] {
  if (sparsity === 0) return [];
  const layers = defaultPrunedLayers(model.spec);
  model.setMasks(magnitudeMasks(prunableParams(model.params(), layers), sparsity));
  return layers;
}
