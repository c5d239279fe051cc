/**
 * The WebAssembly SIMD kernels (compiled from ./assembly by `npm run wasm`), instantiated, with the names
 * and parameters the module exports. The module allocates nothing: pointers are byte offsets into its
 * memory, which the backend manages (heap.ts).
 */

import { engineText } from '../../text/engineText';

type Ptr = number;

export interface KernelExports {
  memory: WebAssembly.Memory;
  conv2dForward(x: Ptr, w: Ptr, b: Ptr, y: Ptr, ...geometryThenScratch: number[]): void;
  conv2dBackward(x: Ptr, w: Ptr, dy: Ptr, dx: Ptr, dw: Ptr, db: Ptr, ...geometryThenScratch: number[]): void;
  /** Floats of scratch the dense kernels need, for a geometry without its batch (C, H, W, K, KH, KW, S, P, OH, OW). */
  conv2dForwardScratch(...geometry: number[]): number;
  conv2dBackwardScratch(...geometryThenNeedInputGrad: number[]): number;
  weightSparseForward(x: Ptr, w: Ptr, b: Ptr, y: Ptr, ...geometryPatternScratch: number[]): void;
  weightSparseBackward(x: Ptr, w: Ptr, dy: Ptr, dx: Ptr, dw: Ptr, db: Ptr, ...geometryPatternScratch: number[]): void;
  cartesianForward(x: Ptr, w: Ptr, b: Ptr, y: Ptr, ...geometryPatternScratch: number[]): number;
  cartesianBackward(x: Ptr, w: Ptr, dy: Ptr, dx: Ptr, dw: Ptr, db: Ptr, ...geometryPatternScratch: number[]): number;
  cartesianScratch(height: number, width: number, kernelW: number, nonzeros: number): number;
  paddedRowStride(W: number, P: number, S: number, KW: number, OW: number): number;
  linearForward(x: Ptr, w: Ptr, b: Ptr, y: Ptr, N: number, I: number, O: number, scratch: Ptr): void;
  linearBackward(x: Ptr, w: Ptr, dy: Ptr, dx: Ptr, dw: Ptr, db: Ptr, N: number, I: number, O: number, scratch: Ptr): void;
  sparseLinearForward(x: Ptr, w: Ptr, b: Ptr, y: Ptr, N: number, I: number, O: number, rowPtr: Ptr, rowTap: Ptr, rowIndex: Ptr, scratch: Ptr): void;
  sparseLinearBackward(
    x: Ptr,
    w: Ptr,
    dy: Ptr,
    dx: Ptr,
    dw: Ptr,
    db: Ptr,
    N: number,
    I: number,
    O: number,
    rowPtr: Ptr,
    rowTap: Ptr,
    rowIndex: Ptr,
    scratch: Ptr,
  ): void;
  convPairs(
    x: Ptr,
    colPtr: Ptr,
    N: number,
    C: number,
    H: number,
    W: number,
    KH: number,
    KW: number,
    S: number,
    P: number,
    OH: number,
    OW: number,
    table: Ptr,
  ): number;
  linearPairs(x: Ptr, colPtr: Ptr, N: number, I: number): number;
  reluForward(x: Ptr, y: Ptr, n: number): void;
  reluBackward(x: Ptr, dy: Ptr, dx: Ptr, n: number): void;
  applyMask(t: Ptr, mask: Ptr, n: number): void;
  scaleAdd(y: Ptr, x: Ptr, n: number, a: number, b: number): void;
  countNonzeros(x: Ptr, n: number): number;
  sgdUpdate(w: Ptr, g: Ptr, v: Ptr, n: number, lr: number, momentum: number, weightDecay: number): void;
  adamUpdate(
    w: Ptr,
    g: Ptr,
    m: Ptr,
    v: Ptr,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    c1: number,
    c2: number,
  ): void;
  maxPool2dForward(x: Ptr, y: Ptr, argmax: Ptr, planes: number, H: number, W: number, k: number, s: number, OH: number, OW: number): void;
  sparseMaxPool2dForward(x: Ptr, y: Ptr, argmax: Ptr, planes: number, H: number, W: number, k: number, s: number, OH: number, OW: number): void;
  maxPool2dBackward(argmax: Ptr, dy: Ptr, dx: Ptr, outputs: number, inputs: number): void;
  softmax(logits: Ptr, probs: Ptr, rows: number, classes: number): void;
  softmaxCrossEntropy(logits: Ptr, labels: Ptr, probs: Ptr, dlogits: Ptr, totals: Ptr, rows: number, classes: number): void;
}

/** Whether this engine runs WebAssembly SIMD (the kernels' module does not validate without it). */
export function wasmSimdSupported(bytes: BufferSource): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
}

/** Instantiates the compiled module; refuses, saying why, where WebAssembly SIMD does not validate. */
export async function instantiateKernels(bytes: BufferSource): Promise<KernelExports> {
  if (!wasmSimdSupported(bytes)) throw new Error(engineText('wasm.noSimd'));
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      abort: () => {
        throw new Error('wasm kernel aborted');
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}
