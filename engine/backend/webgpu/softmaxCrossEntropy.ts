/**
 * Softmax cross-entropy on the GPU (engine/ops/softmaxCrossEntropy.ts): one invocation per row computes the
 * probabilities, ∂L/∂logits = (p − onehot)/B, the row's loss by log-sum-exp and whether its arg-max (first
 * on ties) is the label; a second, single-invocation pass sums the rows into [mean loss, correct], the only
 * numbers a training step reads back.
 */
import { expectRank } from '../../tensor/tensor';
import { ENTRY, FLAT_INDEX, Gpu, GpuTensor } from './gpu';

const ROWS = /* wgsl */ `
@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;
@group(0) @binding(3) var<storage, read_write> dz: array<f32>;
@group(0) @binding(4) var<storage, read_write> rows: array<f32>;
struct Params { batch: u32, classes: u32 }
@group(0) @binding(5) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i >= p.batch) { return; }
  let off = i * p.classes;
  var best = z[off];
  var arg = 0u;
  for (var c = 1u; c < p.classes; c++) {
    if (z[off + c] > best) { best = z[off + c]; arg = c; }
  }
  var sum = 0.0;
  for (var c = 0u; c < p.classes; c++) { sum += exp(z[off + c] - best); }
  let label = u32(labels[i]);
  for (var c = 0u; c < p.classes; c++) {
    let prob = exp(z[off + c] - best) / sum;
    probs[off + c] = prob;
    dz[off + c] = (prob - select(0.0, 1.0, c == label)) / f32(p.batch);
  }
  rows[2u * i] = log(sum) + best - z[off + label];
  rows[2u * i + 1u] = select(0.0, 1.0, arg == label);
}`;

const TOTALS = /* wgsl */ `
@group(0) @binding(0) var<storage, read> rows: array<f32>;
@group(0) @binding(1) var<storage, read_write> totals: array<f32>;
struct Params { batch: u32 }
@group(0) @binding(2) var<uniform> p: Params;
${ENTRY} {
  ${FLAT_INDEX}
  if (i > 0u) { return; }
  var loss = 0.0;
  var correct = 0.0;
  for (var n = 0u; n < p.batch; n++) {
    loss += rows[2u * n];
    correct += rows[2u * n + 1u];
  }
  totals[0] = loss / f32(p.batch);
  totals[1] = correct;
}`;

export interface GpuSoftmaxCrossEntropy {
  probs: GpuTensor;
  dlogits: GpuTensor;
  /** [mean loss, number correct]. */
  totals: GpuTensor;
}

/** `labels`: an i32 tensor of the batch's classes (validated on the CPU before upload). */
export function softmaxCrossEntropy(gpu: Gpu, logits: GpuTensor, labels: GpuTensor): GpuSoftmaxCrossEntropy {
  expectRank('softmaxCrossEntropy', 'logits', logits.shape, 2);
  const [batch, classes] = logits.shape;
  const probs = gpu.tensor(logits.shape);
  const dlogits = gpu.tensor(logits.shape);
  const rows = gpu.temporary(gpu.tensor([batch, 2]));
  const totals = gpu.tensor([2]);
  gpu.run('softmaxRows', ROWS, [logits, labels, probs, dlogits, rows], [{ u32: batch }, { u32: classes }], batch);
  gpu.run('softmaxTotals', TOTALS, [rows, totals], [{ u32: batch }], 1);
  return { probs, dlogits, totals };
}
