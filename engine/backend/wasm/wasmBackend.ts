/**
 * The WebAssembly SIMD backend: tensors live in the kernels' linear memory (heap.ts), every op is one call
 * into the module (./assembly, AssemblyScript), run at once — nothing is copied per op; only `tensor`,
 * `write` and `read` cross between JavaScript and the module. The same Backend as the CPU's, so the one
 * network (engine/model) runs here unchanged, and the same kernels in spirit: im2col + a register-tiled
 * GEMM for dense layers, the weight-sparse direct kernel and SCNN's Cartesian product for sparse ones.
 *
 * A tensor's storage is shared by its reshaped views and counted: freeing every view frees the block (the
 * network frees flatten's input and output both). A storage nobody frees is given back when it is
 * garbage-collected, so a forgotten `free` costs memory for a while, never for good.
 */
import { Backend, copyOut, ConvBackwardArgs, ConvForwardArgs, LinearBackwardArgs, LinearForwardArgs } from '../backend';
import { conv2dCost, conv2dGeometry, Conv2dGeometry, Conv2dOptions } from '../../ops/conv2d';
import { linearShapes } from '../../ops/linear';
import { maxPool2dOutputShape, MaxPool2dOptions } from '../../ops/maxPool2d';
import { checkLabels } from '../../ops/softmaxCrossEntropy';
import { WeightPattern } from '../../sparse/weightPattern';
import { expectRank, formatShape, Shape, shapeSize, ShapeError } from '../../tensor/tensor';
import { WasmHeap } from './heap';
import { instantiateKernels, KernelExports } from './kernels';

/** A block of the heap and how many tensors (views) still use it. */
class WasmStorage {
  refs = 1;
  constructor(
    readonly offset: number,
    readonly bytes: number,
  ) {}
}

export class WasmTensor {
  readonly size: number;
  constructor(
    readonly shape: Shape,
    readonly storage: WasmStorage,
  ) {
    this.size = shapeSize(shape);
  }

  get offset(): number {
    return this.storage.offset;
  }
}

/** A pattern's index arrays, uploaded once (int32). */
interface UploadedPattern {
  block: number;
  bytes: number;
  rowPtr: number;
  rowTap: number;
  rowIndex: number;
  colPtr: number;
  colOutput: number;
  colIndex: number;
}

const F32 = 4;

export class WasmBackend implements Backend<WasmTensor, WasmTensor> {
  readonly name = 'wasm';
  readonly sparseConvKernels = ['cartesian', 'weightSparse'] as const;
  readonly countsPairs = true;
  readonly heap: WasmHeap;
  private readonly patterns = new Map<WeightPattern, UploadedPattern>();
  /** Gives back the blocks of storages that were dropped without `free`. */
  private readonly unfreed = new FinalizationRegistry<{ offset: number; bytes: number }>(({ offset, bytes }) => this.heap.release(offset, bytes));

  private constructor(private readonly k: KernelExports) {
    this.heap = new WasmHeap(k.memory);
  }

  /** A backend over a fresh instance of the compiled kernels (`bytes`: the .wasm file). */
  static async create(bytes: BufferSource): Promise<WasmBackend> {
    return new WasmBackend(await instantiateKernels(bytes));
  }

  // ---------------------------------------------------------------------------------------------------
  // Tensors.

  private allocate(shape: Shape): WasmTensor {
    const bytes = shapeSize(shape) * F32;
    const storage = new WasmStorage(this.heap.alloc(bytes), bytes);
    this.unfreed.register(storage, { offset: storage.offset, bytes }, storage);
    return new WasmTensor(shape, storage);
  }

  /** The live values of `t` (a view: valid until the memory next grows). */
  view(t: WasmTensor): Float32Array {
    return this.heap.floats(t.offset, t.size);
  }

  tensor(shape: Shape, data?: Float32Array): WasmTensor {
    const t = this.allocate(shape);
    if (data) this.write(t, data);
    else this.view(t).fill(0);
    return t;
  }

  async read(t: WasmTensor, into?: Float32Array): Promise<Float32Array> {
    return copyOut(this.view(t), into);
  }

  write(t: WasmTensor, data: Float32Array): void {
    if (data.length !== t.size) throw new ShapeError(`write: ${data.length} values for a ${formatShape(t.shape)} tensor`);
    this.view(t).set(data);
  }

  reshape(t: WasmTensor, shape: Shape): WasmTensor {
    if (shapeSize(shape) !== t.size) throw new ShapeError(`reshape: cannot view ${formatShape(t.shape)} as ${formatShape(shape)}`);
    t.storage.refs++;
    return new WasmTensor(shape, t.storage);
  }

  free(t: WasmTensor): void {
    const s = t.storage;
    if (s.refs <= 0) return;
    if (--s.refs > 0) return;
    this.unfreed.unregister(s);
    this.heap.release(s.offset, s.bytes);
  }

  async countNonzeros(t: WasmTensor): Promise<number> {
    return this.k.countNonzeros(t.offset, t.size);
  }

  convPairs(x: WasmTensor, pattern: WeightPattern, conv: Conv2dOptions): number {
    const g = conv2dGeometry(x.shape, pattern.shape, conv);
    const p = this.uploaded(pattern);
    return this.withScratch((g.height + 1) * (g.width + 1), (table) =>
      this.k.convPairs(x.offset, p.colPtr, g.batch, g.inChannels, g.height, g.width, g.kernelH, g.kernelW, g.stride, g.padding, g.outH, g.outW, table),
    );
  }

  linearPairs(x: WasmTensor, pattern: WeightPattern): number {
    const { batch, inFeatures } = linearShapes('linear', x.shape, pattern.shape);
    return this.k.linearPairs(x.offset, this.uploaded(pattern).colPtr, batch, inFeatures);
  }

  private uploaded(p: WeightPattern): UploadedPattern {
    const known = this.patterns.get(p);
    if (known) return known;
    const arrays = [p.rowPtr, p.rowTap, p.rowIndex, p.colPtr, p.colOutput, p.colIndex];
    const bytes = arrays.reduce((sum, a) => sum + Math.ceil(a.length / 4) * 16, 0);
    const block = this.heap.alloc(bytes);
    const offsets: number[] = [];
    let at = block;
    for (const a of arrays) {
      offsets.push(at);
      this.heap.ints(at, a.length).set(a);
      at += Math.ceil(a.length / 4) * 16;
    }
    const [rowPtr, rowTap, rowIndex, colPtr, colOutput, colIndex] = offsets;
    const uploaded = { block, bytes, rowPtr, rowTap, rowIndex, colPtr, colOutput, colIndex };
    this.patterns.set(p, uploaded);
    return uploaded;
  }

  releasePattern(p: WeightPattern): void {
    const u = this.patterns.get(p);
    if (!u) return;
    this.heap.release(u.block, u.bytes);
    this.patterns.delete(p);
  }

  /** Runs `run` with a scratch block of `floats` floats, given back after. */
  private withScratch<R>(floats: number, run: (scratch: number) => R): R {
    const bytes = Math.max(1, floats) * F32;
    const scratch = this.heap.alloc(bytes);
    try {
      return run(scratch);
    } finally {
      this.heap.release(scratch, bytes);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Convolutions.

  private static geometryArgs(g: Conv2dGeometry): number[] {
    return [g.batch, g.inChannels, g.height, g.width, g.outChannels, g.kernelH, g.kernelW, g.stride, g.padding, g.outH, g.outW];
  }

  private cartesianScratch(g: Conv2dGeometry, nonzeros: number): number {
    return this.k.cartesianScratch(g.height, g.width, g.kernelW, nonzeros);
  }

  private paddedPlane(g: Conv2dGeometry): number {
    return (g.height + 2 * g.padding) * this.k.paddedRowStride(g.width, g.padding, g.stride, g.kernelW, g.outW);
  }

  conv2dForward({ x, w, b, conv, kernel, pattern }: ConvForwardArgs<WasmTensor>) {
    const g = conv2dGeometry(x.shape, w.shape, conv);
    checkBias(b, g.outChannels);
    const y = this.allocate([g.batch, g.outChannels, g.outH, g.outW]);
    const geometry = WasmBackend.geometryArgs(g);
    const positions = g.outH * g.outW;
    if (kernel === 'dense') {
      this.withScratch(this.k.conv2dForwardScratch(...geometry.slice(1)), (scratch) =>
        this.k.conv2dForward(x.offset, w.offset, b.offset, y.offset, ...geometry, scratch),
      );
      return { y, executedMacs: conv2dCost(g).macs };
    }
    checkPattern(pattern, w);
    const p = this.uploaded(pattern);
    if (kernel === 'cartesian') {
      const executedMacs = this.withScratch(this.cartesianScratch(g, pattern.nonzeros), (scratch) =>
        this.k.cartesianForward(x.offset, w.offset, b.offset, y.offset, ...geometry, p.colPtr, p.colOutput, p.colIndex, pattern.nonzeros, scratch),
      );
      return { y, executedMacs };
    }
    this.withScratch(g.inChannels * this.paddedPlane(g) + 2 * pattern.nonzeros, (scratch) =>
      this.k.weightSparseForward(x.offset, w.offset, b.offset, y.offset, ...geometry, p.rowPtr, p.rowTap, p.rowIndex, pattern.nonzeros, scratch),
    );
    // The direct kernel multiplies every kept weight at every output position, padding included.
    return { y, executedMacs: pattern.nonzeros * positions * g.batch };
  }

  conv2dBackward({ x, w, dy, conv, kernel, pattern, needInputGrad }: ConvBackwardArgs<WasmTensor>) {
    const g = conv2dGeometry(x.shape, w.shape, conv);
    const outShape = [g.batch, g.outChannels, g.outH, g.outW];
    if (formatShape(dy.shape) !== formatShape(outShape))
      throw new ShapeError(`conv2d backward: gradient ${formatShape(dy.shape)} does not match the output ${formatShape(outShape)}`);
    const dw = this.allocate(w.shape);
    const db = this.allocate([g.outChannels]);
    const dx = needInputGrad ? this.allocate(x.shape) : null;
    const dxAt = dx ? dx.offset : 0;
    const geometry = WasmBackend.geometryArgs(g);
    const positions = g.outH * g.outW;
    const passes = needInputGrad ? 2 : 1;
    if (kernel === 'dense') {
      this.withScratch(this.k.conv2dBackwardScratch(...geometry.slice(1), needInputGrad ? 1 : 0), (scratch) =>
        this.k.conv2dBackward(x.offset, w.offset, dy.offset, dxAt, dw.offset, db.offset, ...geometry, scratch),
      );
      return { dx, dw, db, executedMacs: passes * conv2dCost(g).macs };
    }
    checkPattern(pattern, w);
    const p = this.uploaded(pattern);
    const nnz = pattern.nonzeros;
    if (kernel === 'cartesian') {
      const executedMacs = this.withScratch(this.cartesianScratch(g, nnz), (scratch) =>
        this.k.cartesianBackward(x.offset, w.offset, dy.offset, dxAt, dw.offset, db.offset, ...geometry, p.colPtr, p.colOutput, p.colIndex, nnz, scratch),
      );
      return { dx, dw, db, executedMacs };
    }
    const plane = this.paddedPlane(g);
    const dyPlane = g.outH * Math.ceil(g.outW / 8) * 8;
    this.withScratch(2 * g.inChannels * plane + g.outChannels * dyPlane + 4 * nnz, (scratch) =>
      this.k.weightSparseBackward(
        x.offset,
        w.offset,
        dy.offset,
        dxAt,
        dw.offset,
        db.offset,
        ...geometry,
        p.rowPtr,
        p.rowTap,
        p.rowIndex,
        p.colPtr,
        p.colOutput,
        p.colIndex,
        nnz,
        scratch,
      ),
    );
    return { dx, dw, db, executedMacs: passes * nnz * positions * g.batch };
  }

  // ---------------------------------------------------------------------------------------------------
  // Fully connected layers.

  linearForward({ x, w, b, kernel, pattern }: LinearForwardArgs<WasmTensor>) {
    const { batch: N, inFeatures: I, outFeatures: O } = linearShapes('linear', x.shape, w.shape);
    checkBias(b, O);
    const y = this.allocate([N, O]);
    if (kernel === 'dense') {
      this.withScratch(Math.ceil(N / 8) * 8 * I + O * N, (scratch) => this.k.linearForward(x.offset, w.offset, b.offset, y.offset, N, I, O, scratch));
      return { y, executedMacs: N * w.size };
    }
    checkPattern(pattern, w);
    const p = this.uploaded(pattern);
    const NP = Math.ceil(N / 4) * 4;
    this.withScratch(I * NP + NP, (scratch) =>
      this.k.sparseLinearForward(x.offset, w.offset, b.offset, y.offset, N, I, O, p.rowPtr, p.rowTap, p.rowIndex, scratch),
    );
    return { y, executedMacs: N * pattern.nonzeros };
  }

  linearBackward({ x, w, dy, kernel, pattern, needInputGrad }: LinearBackwardArgs<WasmTensor>) {
    const { batch: N, inFeatures: I, outFeatures: O } = linearShapes('linear backward', x.shape, w.shape);
    if (dy.shape.length !== 2 || dy.shape[0] !== N || dy.shape[1] !== O)
      throw new ShapeError(`linear backward: gradient ${formatShape(dy.shape)} does not match the output [${N}, ${O}]`);
    const dw = this.allocate(w.shape);
    const db = this.allocate([O]);
    const dx = needInputGrad ? this.allocate(x.shape) : null;
    const dxAt = dx ? dx.offset : 0;
    const passes = needInputGrad ? 2 : 1;
    if (kernel === 'dense') {
      const panels = Math.ceil(I / 8) * 8 * Math.max(N, O);
      this.withScratch(O * N + panels, (scratch) => this.k.linearBackward(x.offset, w.offset, dy.offset, dxAt, dw.offset, db.offset, N, I, O, scratch));
      return { dx, dw, db, executedMacs: passes * N * w.size };
    }
    checkPattern(pattern, w);
    const p = this.uploaded(pattern);
    const NP = Math.ceil(N / 4) * 4;
    this.withScratch((2 * I + O) * NP, (scratch) =>
      this.k.sparseLinearBackward(x.offset, w.offset, dy.offset, dxAt, dw.offset, db.offset, N, I, O, p.rowPtr, p.rowTap, p.rowIndex, scratch),
    );
    return { dx, dw, db, executedMacs: passes * N * pattern.nonzeros };
  }

  // ---------------------------------------------------------------------------------------------------
  // Activations, pooling, loss.

  reluForward(x: WasmTensor): WasmTensor {
    const y = this.allocate(x.shape);
    this.k.reluForward(x.offset, y.offset, x.size);
    return y;
  }

  reluBackward(x: WasmTensor, dy: WasmTensor): WasmTensor {
    if (x.size !== dy.size) throw new ShapeError(`relu backward: gradient ${formatShape(dy.shape)} does not match the input ${formatShape(x.shape)}`);
    const dx = this.allocate(x.shape);
    this.k.reluBackward(x.offset, dy.offset, dx.offset, x.size);
    return dx;
  }

  maxPool2dForward(x: WasmTensor, pool: MaxPool2dOptions, sparse: boolean) {
    const shape = maxPool2dOutputShape(x.shape, pool);
    const [N, C, OH, OW] = shape;
    const y = this.allocate(shape);
    const argmax = this.allocate(shape);
    const run = sparse ? this.k.sparseMaxPool2dForward : this.k.maxPool2dForward;
    run(x.offset, y.offset, argmax.offset, N * C, x.shape[2], x.shape[3], pool.kernelSize, pool.stride, OH, OW);
    return { y, argmax };
  }

  maxPool2dBackward(xShape: Shape, argmax: WasmTensor, dy: WasmTensor): WasmTensor {
    if (argmax.size !== dy.size) throw new ShapeError(`maxPool2d backward: gradient ${formatShape(dy.shape)} does not match the ${argmax.size} pooled outputs`);
    const dx = this.allocate(xShape);
    this.k.maxPool2dBackward(argmax.offset, dy.offset, dx.offset, dy.size, dx.size);
    return dx;
  }

  freeIndices(argmax: WasmTensor): void {
    this.free(argmax);
  }

  softmaxCrossEntropy(logits: WasmTensor, labels: ArrayLike<number>) {
    const { batch, classes } = checkLabels('softmaxCrossEntropy', logits.shape, labels);
    const probs = this.allocate(logits.shape);
    const dlogits = this.allocate(logits.shape);
    // Labels (int32), then the two float64 totals.
    const labelBytes = Math.ceil(batch / 4) * 16;
    const [loss, correct] = this.withScratch(labelBytes / F32 + 4, (scratch) => {
      this.heap.ints(scratch, batch).set(Array.from(labels));
      this.k.softmaxCrossEntropy(logits.offset, scratch, probs.offset, dlogits.offset, scratch + labelBytes, batch, classes);
      return Array.from(new Float64Array(this.k.memory.buffer, scratch + labelBytes, 2));
    });
    return { probs, dlogits, totals: async () => ({ loss, correct }) };
  }

  async softmax(logits: WasmTensor): Promise<Float32Array> {
    expectRank('softmax', 'logits', logits.shape, 2);
    const [rows, classes] = logits.shape;
    return this.withScratch(logits.size, (probs) => {
      this.k.softmax(logits.offset, probs, rows, classes);
      return this.heap.floats(probs, logits.size).slice();
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Updates and masks (in place).

  sgdUpdate({ w, g, velocity, lr, momentum, weightDecay }: Parameters<Backend<WasmTensor>['sgdUpdate']>[0]): void {
    sameSizes('sgd', w, g, velocity);
    this.k.sgdUpdate(w.offset, g.offset, velocity.offset, w.size, lr, momentum, weightDecay);
  }

  adamUpdate({ w, g, m, v, lr, beta1, beta2, eps, weightDecay, t }: Parameters<Backend<WasmTensor>['adamUpdate']>[0]): void {
    sameSizes('adam', w, g, m, v);
    this.k.adamUpdate(w.offset, g.offset, m.offset, v.offset, w.size, lr, beta1, beta2, eps, weightDecay, 1 - Math.pow(beta1, t), 1 - Math.pow(beta2, t));
  }

  applyMask(t: WasmTensor, mask: WasmTensor): void {
    sameSizes('applyMask', t, mask);
    this.k.applyMask(t.offset, mask.offset, t.size);
  }

  scaleAdd(y: WasmTensor, x: WasmTensor, a: number, b: number): void {
    sameSizes('scaleAdd', y, x);
    this.k.scaleAdd(y.offset, x.offset, y.size, a, b);
  }

  async measure(record: () => unknown): Promise<number> {
    const start = performance.now();
    await record();
    return performance.now() - start;
  }

  /** Gives back the patterns' copies (the tensors belong to whoever made them). */
  destroy(): void {
    for (const p of [...this.patterns.keys()]) this.releasePattern(p);
  }
}

function checkBias(b: WasmTensor, outputs: number): void {
  if (b.size !== outputs) throw new ShapeError(`bias ${formatShape(b.shape)} does not match ${outputs} outputs`);
}

function checkPattern(p: WeightPattern, w: WasmTensor): void {
  if (p.outputs * p.taps !== w.size) throw new ShapeError(`weight pattern [${p.shape.join(', ')}] does not match weight ${formatShape(w.shape)}`);
}

function sameSizes(op: string, ...tensors: WasmTensor[]): void {
  if (tensors.some((t) => t.size !== tensors[0].size))
    throw new ShapeError(`${op}: tensors of ${tensors.map((t) => formatShape(t.shape)).join(', ')} differ in size`);
}
