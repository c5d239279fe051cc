/**
 * Elementwise kernels: ReLU forward and backward, pruning masks, and the optimizer updates (the same
 * formulas as engine/optim, one invocation per weight, the state never leaving the GPU).
 */
import type { AdamArgs } from '../backend';
import { ENTRY, FLAT_INDEX, Gpu, GpuTensor } from './gpu';

const RELU = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
struct Params { count: u32 }
@group(0) @binding(2) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  y[i] = max(x[i], 0.0);
}`;

/** ∂L/∂x = ∂L/∂y where x > 0, else 0 (the same subgradient at 0 as the CPU op). */
const RELU_BACKWARD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
struct Params { count: u32 }
@group(0) @binding(3) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  dx[i] = select(0.0, dy[i], x[i] > 0.0);
}`;

/** t ← t · mask (mask entries are 0 or 1): prunes weights, their gradients and optimizer state alike. */
const APPLY_MASK = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> t: array<f32>;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
struct Params { count: u32 }
@group(0) @binding(2) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  t[i] = t[i] * mask[i];
}`;

const SCALE_ADD = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
struct Params { count: u32, a: f32, b: f32 }
@group(0) @binding(2) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  y[i] = p.a * y[i] + p.b * x[i];
}`;

/** SGD with momentum, PyTorch's convention (engine/ops/optimizerUpdates.ts). */
const SGD = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;
struct Params { count: u32, lr: f32, momentum: f32, weightDecay: f32 }
@group(0) @binding(3) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let grad = g[i] + p.weightDecay * w[i];
  v[i] = p.momentum * v[i] + grad;
  w[i] = w[i] - p.lr * v[i];
}`;

/** Adam with bias correction and L2 weight decay (engine/ops/optimizerUpdates.ts); c1, c2 = 1 − β^t. */
const ADAM = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
struct Params { count: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, c1: f32, c2: f32 }
@group(0) @binding(4) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let grad = g[i] + p.weightDecay * w[i];
  m[i] = p.beta1 * m[i] + (1.0 - p.beta1) * grad;
  v[i] = p.beta2 * v[i] + (1.0 - p.beta2) * grad * grad;
  w[i] = w[i] - (p.lr * (m[i] / p.c1)) / (sqrt(v[i] / p.c2) + p.eps);
}`;

export function reluForward(gpu: Gpu, x: GpuTensor): GpuTensor {
  const y = gpu.tensor(x.shape);
  gpu.run('relu', RELU, [x, y], [{ u32: x.size }], x.size);
  return y;
}

export function reluBackward(gpu: Gpu, x: GpuTensor, dy: GpuTensor): GpuTensor {
  const dx = gpu.tensor(x.shape);
  gpu.run('reluBackward', RELU_BACKWARD, [x, dy, dx], [{ u32: x.size }], x.size);
  return dx;
}

export function applyMask(gpu: Gpu, t: GpuTensor, mask: GpuTensor): void {
  gpu.run('applyMask', APPLY_MASK, [t, mask], [{ u32: t.size }], t.size);
}

export function scaleAdd(gpu: Gpu, y: GpuTensor, x: GpuTensor, a: number, b: number): void {
  gpu.run('scaleAdd', SCALE_ADD, [y, x], [{ u32: y.size }, { f32: a }, { f32: b }], y.size);
}

export function sgdUpdate(gpu: Gpu, w: GpuTensor, g: GpuTensor, velocity: GpuTensor, o: { lr: number; momentum: number; weightDecay: number }): void {
  gpu.run('sgd', SGD, [w, g, velocity], [{ u32: w.size }, { f32: o.lr }, { f32: o.momentum }, { f32: o.weightDecay }], w.size);
}

/** Adam's hyperparameters and step number (the Backend's AdamArgs without the tensors). */
export type AdamStep = Omit<AdamArgs<GpuTensor>, 'w' | 'g' | 'm' | 'v'>;

export function adamUpdate(gpu: Gpu, w: GpuTensor, g: GpuTensor, m: GpuTensor, v: GpuTensor, o: AdamStep): void {
  const c1 = 1 - Math.pow(o.beta1, o.t);
  const c2 = 1 - Math.pow(o.beta2, o.t);
  gpu.run(
    'adam',
    ADAM,
    [w, g, m, v],
    [{ u32: w.size }, { f32: o.lr }, { f32: o.beta1 }, { f32: o.beta2 }, { f32: o.eps }, { f32: o.weightDecay }, { f32: c1 }, { f32: c2 }],
    w.size,
  );
}

/** Elements each invocation of the nonzero count covers: one atomic add per chunk, not per element. */
const COUNT_CHUNK = 256;

/** count[0] += the number of nonzero entries of x (Ω's size). */
const COUNT_NONZEROS = /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> count: array<atomic<u32>>;
struct Params { size: u32 }
@group(0) @binding(2) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  let start = i * ${COUNT_CHUNK}u;
  if (start >= p.size) { return; }
  let end = min(start + ${COUNT_CHUNK}u, p.size);
  var found = 0u;
  for (var j = start; j < end; j++) { if (x[j] != 0.0) { found++; } }
  if (found > 0u) { atomicAdd(&count[0], found); }
}`;

/** The number of nonzero entries of `x`, read back. */
export async function countNonzeros(gpu: Gpu, x: GpuTensor): Promise<number> {
  const count = gpu.tensor([1], new Int32Array(1));
  gpu.run('countNonzeros', COUNT_NONZEROS, [x, count], [{ u32: x.size }], Math.ceil(x.size / COUNT_CHUNK));
  try {
    return (await gpu.read(count))[0];
  } finally {
    count.destroy();
  }
}
