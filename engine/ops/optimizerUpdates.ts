/**
 * The update rules on plain arrays, in place: what the CPU backend runs and the WGSL kernels of
 * backend/webgpu/elementwise.ts mirror. Weight decay is added to the gradient (L2), as in PyTorch.
 */

/** SGD with momentum (PyTorch's convention): g ← ∇w + λw;  v ← μv + g;  w ← w − η·v. */
export function sgdUpdateArrays(w: Float32Array, g: Float32Array, v: Float32Array, lr: number, momentum: number, weightDecay: number): void {
  for (let i = 0; i < w.length; i++) {
    const grad = g[i] + weightDecay * w[i];
    v[i] = momentum * v[i] + grad;
    w[i] -= lr * v[i];
  }
}

/** Adam (Kingma & Ba, 2015) with bias correction at step t (from 1). */
export function adamUpdateArrays(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; t: number },
): void {
  const { lr, beta1, beta2, eps, weightDecay } = o;
  const c1 = 1 - Math.pow(beta1, o.t);
  const c2 = 1 - Math.pow(beta2, o.t);
  for (let i = 0; i < w.length; i++) {
    const grad = g[i] + weightDecay * w[i];
    m[i] = beta1 * m[i] + (1 - beta1) * grad;
    v[i] = beta2 * v[i] + (1 - beta2) * grad * grad;
    w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
  }
}
