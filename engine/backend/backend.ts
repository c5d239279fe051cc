/**
 * The one interface every backend implements: where tensors live, how they move, and the op set the
 * network (engine/model) is written against. A backend supplies kernels and nothing else — no layers, no
 * shapes walked, no kernel choice. The pure-TS backend (backend/cpu) is the readable one; the WGSL backend
 * (backend/webgpu) records the same ops into GPU command buffers. Each op's float64 reference stays beside
 * its CPU kernel in engine/ops.
 *
 * Conventions, the same on every backend:
 * - Ops return new tensors; inputs are never changed (the optimizer updates, `applyMask`, `scaleAdd` and
 *   `write` are the only in-place ops).
 * - An op may only record work; `read` waits for it. Nothing else needs to be awaited, except
 *   `countNonzeros`, whose answer the kernel choice of the next op may depend on, and counted MACs.
 * - `executedMacs` is what a kernel multiplied (over the batch; forward, or ∂w and ∂x together backward) —
 *   a promise where the device counts it (the Cartesian product on a GPU skips zero inputs as it goes).
 */
import type { Conv2dOptions } from '../ops/conv2d';
import type { MaxPool2dOptions } from '../ops/maxPool2d';
import type { WeightPattern } from '../sparse/weightPattern';
import type { Shape } from '../tensor/tensor';

export type BackendName = 'cpu' | 'wasm' | 'webgpu';

/** What the network needs to know of any backend's tensor. */
export interface DeviceTensor {
  readonly shape: Shape;
  readonly size: number;
}

/** A convolution's kernels: im2col + GEMM, SCNN's Cartesian product over Ω, or weight-sparse direct. */
export type ConvKernel = 'dense' | 'cartesian' | 'weightSparse';
export type SparseConvKernel = Exclude<ConvKernel, 'dense'>;
/** A fully connected layer's kernels: GEMM, or the kept weights in CSR. */
export type LinearKernel = 'dense' | 'csr';

export interface ConvForwardArgs<T> {
  x: T;
  w: T;
  b: T;
  conv: Conv2dOptions;
  kernel: ConvKernel;
  /** The kept weights (sparse kernels; the dense kernel ignores it). */
  pattern: WeightPattern;
}

export interface ConvBackwardArgs<T> extends Omit<ConvForwardArgs<T>, 'b'> {
  dy: T;
  needInputGrad: boolean;
}

export interface LinearForwardArgs<T> {
  x: T;
  w: T;
  b: T;
  kernel: LinearKernel;
  pattern: WeightPattern;
}

export interface LinearBackwardArgs<T> extends Omit<LinearForwardArgs<T>, 'b'> {
  dy: T;
  needInputGrad: boolean;
}

export interface Forward<T> {
  y: T;
  executedMacs: number | Promise<number>;
}

export interface Grads<T> {
  /** ∂L/∂input, null when not asked for. */
  dx: T | null;
  dw: T;
  db: T;
  executedMacs: number | Promise<number>;
}

export interface PoolForward<T, I> {
  y: T;
  /** Where each output's maximum came from (flat input index), for the backward pass. */
  argmax: I;
}

export interface SoftmaxCrossEntropyResult<T> {
  probs: T;
  /** ∂(mean loss)/∂logits. */
  dlogits: T;
  /** The batch's mean loss and the number of correct predictions (the only numbers a step reads back). */
  totals(): Promise<{ loss: number; correct: number }>;
}

export interface SgdArgs<T> {
  w: T;
  g: T;
  velocity: T;
  lr: number;
  momentum: number;
  weightDecay: number;
}

export interface AdamArgs<T> {
  w: T;
  g: T;
  m: T;
  v: T;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** The step number, from 1 (bias correction). */
  t: number;
}

/** `T`: the backend's tensor; `I`: how it holds max-pool arg-max indices. */
export interface Backend<T extends DeviceTensor = DeviceTensor, I = unknown> {
  readonly name: BackendName;
  /** The sparse convolution kernels it has (the kernel rule takes the weight-sparse one where the Cartesian product is missing). */
  readonly sparseConvKernels: readonly SparseConvKernel[];
  /** Whether it counts Ω's pairs (ideal MACs) beside a step; null counters where it does not. */
  readonly countsPairs: boolean;

  // Tensors.
  tensor(shape: Shape, data?: Float32Array): T;
  /** `t`'s values: into `into` when given (as many values as `t` has; no fresh array per read), else a new array. */
  read(t: T, into?: Float32Array): Promise<Float32Array>;
  write(t: T, data: Float32Array): void;
  /** The same values under another shape (a view where the backend can). */
  reshape(t: T, shape: Shape): T;
  /** Frees `t` once the work recorded so far no longer needs it. */
  free(t: T): void;
  /** Nonzero entries of `t` (Ω's size): the input density the kernel rule reads. */
  countNonzeros(t: T): Promise<number>;
  /** |Ω| pairs of `x`'s nonzeros with the kept weights that land on an output, or null (see countsPairs). */
  convPairs(x: T, pattern: WeightPattern, conv: Conv2dOptions): number | null;
  linearPairs(x: T, pattern: WeightPattern): number | null;
  /** Forgets what the backend made of a pattern (a GPU's copy) once a mask change replaced it. */
  releasePattern(pattern: WeightPattern): void;

  // Ops.
  conv2dForward(args: ConvForwardArgs<T>): Forward<T>;
  conv2dBackward(args: ConvBackwardArgs<T>): Grads<T>;
  linearForward(args: LinearForwardArgs<T>): Forward<T>;
  linearBackward(args: LinearBackwardArgs<T>): Grads<T>;
  reluForward(x: T): T;
  reluBackward(x: T, dy: T): T;
  /** `sparse`: visit only nonzero inputs (the same result: see ops/sparseMaxPool2d.ts). */
  maxPool2dForward(x: T, pool: MaxPool2dOptions, sparse: boolean): PoolForward<T, I>;
  maxPool2dBackward(xShape: Shape, argmax: I, dy: T, pool: MaxPool2dOptions): T;
  freeIndices(argmax: I): void;
  softmaxCrossEntropy(logits: T, labels: ArrayLike<number>): SoftmaxCrossEntropyResult<T>;
  /** Class probabilities of every row, read back. */
  softmax(logits: T): Promise<Float32Array>;

  // Updates and masks (in place).
  sgdUpdate(args: SgdArgs<T>): void;
  adamUpdate(args: AdamArgs<T>): void;
  /** t ← t · mask (mask holds 0 and 1). */
  applyMask(t: T, mask: T): void;
  /** y ← a·y + b·x: how data-parallel training averages its shards' gradients. */
  scaleAdd(y: T, x: T, a: number, b: number): void;

  /**
   * Milliseconds the work `record` records takes (GPU timestamps where there are, else wall time). `record`
   * may be async as long as it waits for nothing but itself (no read-back inside).
   */
  measure(record: () => unknown): Promise<number>;
}

/** What `read` returns: `values` copied into `into` (which must hold exactly as many), or a copy of its own. */
export function copyOut(values: Float32Array, into?: Float32Array): Float32Array {
  if (!into) return values.slice();
  if (into.length !== values.length) throw new RangeError(`read: room for ${into.length} values, the tensor has ${values.length}`);
  into.set(values);
  return into;
}
