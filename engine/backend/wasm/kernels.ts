/**
 * The WebAssembly SIMD kernels (compiled from ./assembly by `npm run wasm`), instantiated and given typed
 * entry points. The module allocates nothing: this side owns its linear memory and lays out each call's
 * operands in it.
 *
 * These are the first steps of the wasm backend (issue 17): the dense GEMM and the dense convolution,
 * forward and backward, their operands copied in and out per call. The backend proper keeps its tensors in the module's
 * memory, so that no op copies.
 */
import { conv2dGeometry, Conv2dOptions } from '../../ops/conv2d';
import { Tensor } from '../../tensor/tensor';

interface KernelExports {
  memory: WebAssembly.Memory;
  packPanels(b: number, k: number, n: number, out: number): void;
  gemmPacked(a: number, bp: number, c: number, m: number, n: number, k: number, accumulate: number): void;
  conv2dForward(...args: number[]): void;
  conv2dBackward(...args: number[]): void;
}

const PAGE = 65536;
/** Below this the module keeps its own (static) data; operands start here. */
const FIRST_OPERAND = PAGE;

export class WasmKernels {
  private constructor(private readonly kernels: KernelExports) {}

  /** Instantiates the compiled module; refuses, saying why, where WebAssembly SIMD does not validate. */
  static async load(bytes: BufferSource): Promise<WasmKernels> {
    if (!WebAssembly.validate(bytes)) throw new Error('this WebAssembly engine cannot run the SIMD kernels (WebAssembly SIMD is missing)');
    const { instance } = await WebAssembly.instantiate(bytes, {
      env: {
        abort: () => {
          throw new Error('wasm kernel aborted');
        },
      },
    });
    return new WasmKernels(instance.exports as unknown as KernelExports);
  }

  /** Byte offsets for operands of these many floats, 16-byte aligned, the memory grown to hold them. */
  private layout(...floats: number[]): number[] {
    const offsets: number[] = [];
    let at = FIRST_OPERAND;
    for (const n of floats) {
      offsets.push(at);
      at += Math.ceil((4 * n) / 16) * 16;
    }
    const memory = this.kernels.memory;
    if (at > memory.buffer.byteLength) memory.grow(Math.ceil((at - memory.buffer.byteLength) / PAGE));
    return offsets;
  }

  /** C = A · B for row-major A [m × k] and B [k × n]: a new [m × n]. */
  gemm(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float32Array {
    if (a.length !== m * k || b.length !== k * n)
      throw new RangeError(`gemm: operands of ${a.length} and ${b.length} values do not make ${m}×${k} · ${k}×${n}`);
    const panels = Math.ceil(n / 8) * 8 * k;
    const [pa, pb, pp, pc] = this.layout(m * k, k * n, panels, m * n);
    const heap = new Float32Array(this.kernels.memory.buffer);
    heap.set(a, pa / 4);
    heap.set(b, pb / 4);
    this.kernels.packPanels(pb, k, n, pp);
    this.kernels.gemmPacked(pa, pp, pc, m, n, k, 0);
    return new Float32Array(this.kernels.memory.buffer, pc, m * n).slice();
  }

  /** The dense convolution forward (im2col into the GEMM's panels, GEMM, bias): y [N, K, OH, OW]. */
  conv2dForward(x: Tensor, w: Tensor, b: Tensor, opts: Conv2dOptions): Tensor {
    const g = conv2dGeometry(x.shape, w.shape, opts);
    const positions = g.outH * g.outW;
    const [px, pw, pb, py, scratch] = this.layout(
      x.size,
      w.size,
      b.size,
      g.batch * g.outChannels * positions,
      Math.ceil(positions / 8) * 8 * g.inChannels * g.kernelH * g.kernelW,
    );
    const heap = new Float32Array(this.kernels.memory.buffer);
    heap.set(x.data, px / 4);
    heap.set(w.data, pw / 4);
    heap.set(b.data, pb / 4);
    const { batch, inChannels, height, width, outChannels, kernelH, kernelW, stride, padding, outH, outW } = g;
    this.kernels.conv2dForward(px, pw, pb, py, batch, inChannels, height, width, outChannels, kernelH, kernelW, stride, padding, outH, outW, scratch);
    return new Tensor([batch, outChannels, outH, outW], new Float32Array(this.kernels.memory.buffer, py, batch * outChannels * positions).slice());
  }

  /** The dense convolution backward: ∂w, ∂b and (when asked) ∂x, as the TypeScript kernel gives them. */
  conv2dBackward(x: Tensor, w: Tensor, dy: Tensor, opts: Conv2dOptions, needInputGrad: boolean): { dx: Tensor | null; dw: Tensor; db: Tensor } {
    const g = conv2dGeometry(x.shape, w.shape, opts);
    const positions = g.outH * g.outW;
    const taps = g.inChannels * g.kernelH * g.kernelW;
    const panels = Math.max(Math.ceil(taps / 8) * 8 * positions, Math.ceil(positions / 8) * 8 * g.outChannels);
    const [px, pw, pdy, pdx, pdw, pdb, pp, pwt, pcols] = this.layout(
      x.size,
      w.size,
      dy.size,
      needInputGrad ? x.size : 0,
      w.size,
      g.outChannels,
      panels,
      needInputGrad ? w.size : 0,
      needInputGrad ? taps * positions : 0,
    );
    const heap = new Float32Array(this.kernels.memory.buffer);
    heap.set(x.data, px / 4);
    heap.set(w.data, pw / 4);
    heap.set(dy.data, pdy / 4);
    const { batch, inChannels, height, width, outChannels, kernelH, kernelW, stride, padding, outH, outW } = g;
    this.kernels.conv2dBackward(
      px,
      pw,
      pdy,
      needInputGrad ? pdx : 0,
      pdw,
      pdb,
      batch,
      inChannels,
      height,
      width,
      outChannels,
      kernelH,
      kernelW,
      stride,
      padding,
      outH,
      outW,
      pp,
      pwt,
      pcols,
    );
    const read = (at: number, shape: readonly number[]) =>
      new Tensor(
        shape,
        new Float32Array(
          this.kernels.memory.buffer,
          at,
          shape.reduce((a, b) => a * b, 1),
        ).slice(),
      );
    return { dx: needInputGrad ? read(pdx, x.shape) : null, dw: read(pdw, w.shape), db: read(pdb, [outChannels]) };
  }
}
