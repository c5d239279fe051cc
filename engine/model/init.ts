/**
 * Kaiming (He) normal initialisation: w ~ N(0, gain² / fan_in), with gain √2 for a layer followed by ReLU.
 * It keeps the variance of activations steady through ReLU layers (He et al., 2015), so deep stacks
 * neither vanish nor explode at step 0. The classifier, followed by softmax rather than ReLU, takes gain 1
 * (the "linear" gain), so the first loss is near ln 10 instead of far above it.
 */
import { Prng } from '../random/prng';

export function kaimingNormal(values: Float32Array, fanIn: number, rng: Prng, gain = Math.SQRT2): void {
  const std = gain / Math.sqrt(fanIn);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal() * std;
}
