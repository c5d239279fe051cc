/**
 * Max pooling on the GPU, dense and sparse (engine/ops/maxPool2d.ts, sparseMaxPool2d.ts): one invocation
 * per output window; ties go to the first element in window order; the sparse pool takes the max over the
 * window's nonzero elements and gives 0 (argmax −1) to a window with none.
 *
 * Backward has no float atomics to scatter with, so it gathers: one invocation per input element adds the
 * gradients of the windows (at most ⌈k/s⌉² of them) whose winner it is.
 */
import { maxPool2dOutputShape, MaxPool2dOptions } from '../../ops/maxPool2d';
import { Shape } from '../../tensor/tensor';
import { ENTRY, FLAT_INDEX, Gpu, GpuTensor } from './gpu';

const PARAMS = /* wgsl */ `struct Params { count: u32, H: u32, W: u32, OH: u32, OW: u32, k: u32, s: u32 }`;

const forward = (sparse: boolean) => /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> argmax: array<i32>;
${PARAMS}
@group(0) @binding(3) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let oj = i % p.OW;
  let oi = (i / p.OW) % p.OH;
  let plane = i / (p.OW * p.OH);
  var best = ${sparse ? '0.0' : '-3.4e38'};
  var arg = -1;
  for (var m = 0u; m < p.k; m++) {
    let row = (plane * p.H + oi * p.s + m) * p.W + oj * p.s;
    for (var l = 0u; l < p.k; l++) {
      let v = x[row + l];
      ${sparse ? 'if (v != 0.0 && (arg < 0 || v > best))' : 'if (arg < 0 || v > best)'} {
        best = v;
        arg = i32(row + l);
      }
    }
  }
  y[i] = best;
  argmax[i] = arg;
}`;

const BACKWARD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> argmax: array<i32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${PARAMS}
@group(0) @binding(3) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.count) { return; }
  let c = i32(i % p.W);
  let r = i32((i / p.W) % p.H);
  let plane = i / (p.W * p.H);
  let k = i32(p.k);
  let s = i32(p.s);
  // Windows containing (r, c): oi·s ≤ r < oi·s + k.
  let oiLo = max(0, (r - k + s) / s);
  let oiHi = min(i32(p.OH) - 1, r / s);
  let ojLo = max(0, (c - k + s) / s);
  let ojHi = min(i32(p.OW) - 1, c / s);
  var sum = 0.0;
  for (var oi = oiLo; oi <= oiHi; oi++) {
    for (var oj = ojLo; oj <= ojHi; oj++) {
      let o = (plane * p.OH + u32(oi)) * p.OW + u32(oj);
      if (argmax[o] == i32(i)) { sum += dy[o]; }
    }
  }
  dx[i] = sum;
}`;

function params(xShape: Shape, outShape: number[], opts: MaxPool2dOptions, count: number) {
  return [xShape[2], xShape[3], outShape[2], outShape[3], opts.kernelSize, opts.stride].reduce((list, v) => [...list, { u32: v }], [{ u32: count }]);
}

export function maxPool2dForward(gpu: Gpu, x: GpuTensor, opts: MaxPool2dOptions, sparse = false): { y: GpuTensor; argmax: GpuTensor } {
  const shape = maxPool2dOutputShape(x.shape, opts);
  const y = gpu.tensor(shape);
  const argmax = gpu.tensor(shape, undefined, 'i32');
  gpu.run(sparse ? 'sparseMaxPool2d' : 'maxPool2d', forward(sparse), [x, y, argmax], params(x.shape, shape, opts, y.size), y.size);
  return { y, argmax };
}

export function maxPool2dBackward(gpu: Gpu, xShape: Shape, argmax: GpuTensor, dy: GpuTensor, opts: MaxPool2dOptions): GpuTensor {
  const dx = gpu.tensor(xShape);
  gpu.run('maxPool2dBackward', BACKWARD, [argmax, dy, dx], params(xShape, [...dy.shape], opts, dx.size), dx.size);
  return dx;
}
