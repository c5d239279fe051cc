/**
 * The weight-sparse (CSR) fully connected kernel against the float64 reference: outputs, ∂x, ∂w only at
 * kept weights (exactly 0 at pruned ones), ∂b, and its three cost counters against brute-force counts —
 * for random shapes, batches that are and are not multiples of four, and weight and input densities from 0 to 1.
 */
import { describe, expect, it } from 'vitest';
import { linearBackwardReference, linearForwardReference } from '../../engine/ops/linear';
import { sparseLinearBackward, sparseLinearForward } from '../../engine/ops/sparseLinear';
import { weightPattern } from '../../engine/sparse/weightPattern';
import { Prng } from '../../engine/random/prng';
import { randomTensor, relativeError } from './helpers';

const CASES = [
  { batch: 1, inF: 7, outF: 3, xZeros: 0, wZeros: 0 },
  { batch: 4, inF: 16, outF: 5, xZeros: 0.5, wZeros: 0.9 },
  { batch: 6, inF: 33, outF: 10, xZeros: 0.3, wZeros: 0.5 },
  { batch: 9, inF: 64, outF: 12, xZeros: 1, wZeros: 0.2 },
  { batch: 5, inF: 20, outF: 8, xZeros: 0.1, wZeros: 1 },
];

describe('sparse linear (CSR weights)', () => {
  it.each(CASES)('matches the reference: batch $batch, $inF → $outF, input zeros $xZeros, weight zeros $wZeros', ({ batch, inF, outF, xZeros, wZeros }) => {
    const seed = batch * 100 + inF;
    const x = randomTensor([batch, inF], seed, xZeros);
    const w = randomTensor([outF, inF], seed + 1, wZeros);
    const b = randomTensor([outF], seed + 2);
    const dy = randomTensor([batch, outF], seed + 3);
    const pattern = weightPattern(w.shape, w.data);

    const { y, cost } = sparseLinearForward(x, w, b, pattern);
    expect(relativeError(y.data, linearForwardReference(x, w, b).data)).toBeLessThan(1e-5);
    const kept = w.data.filter((v) => v !== 0).length;
    let pairs = 0;
    for (let n = 0; n < batch; n++)
      for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) if (x.data[n * inF + i] !== 0 && w.data[o * inF + i] !== 0) pairs++;
    expect(cost).toEqual({ denseMacs: batch * inF * outF, idealMacs: pairs, executedMacs: batch * kept });

    const grads = sparseLinearBackward(x, w, dy, pattern);
    const ref = linearBackwardReference(x, w, dy);
    expect(relativeError(grads.dx!.data, ref.dx)).toBeLessThan(1e-5);
    expect(relativeError(grads.db.data, ref.db)).toBeLessThan(1e-5);
    // ∂w: the reference's at kept weights, exactly 0 at pruned ones.
    const masked = ref.dw.map((g, q) => (w.data[q] !== 0 ? g : 0));
    expect(relativeError(grads.dw.data, masked)).toBeLessThan(1e-5);
    for (let q = 0; q < w.size; q++) if (w.data[q] === 0) expect(grads.dw.data[q]).toBe(0);
    expect(grads.cost).toEqual({ denseMacs: 2 * batch * inF * outF, idealMacs: 2 * pairs, executedMacs: 2 * batch * kept });
    // Without ∂x: one pass.
    const noDx = sparseLinearBackward(x, w, dy, pattern, false);
    expect(noDx.dx).toBeNull();
    expect(noDx.cost.executedMacs).toBe(batch * kept);
  });

  it('keeps its pattern while the values change (an optimizer step), and refuses a wrong input width', () => {
    const rng = new Prng(4);
    const w = randomTensor([6, 10], 11, 0.7);
    const pattern = weightPattern(w.shape, w.data);
    for (let q = 0; q < w.size; q++) if (w.data[q] !== 0) w.data[q] += rng.normal() * 0.1;
    const x = randomTensor([3, 10], 12);
    expect(relativeError(sparseLinearForward(x, w, null, pattern).y.data, linearForwardReference(x, w, null).data)).toBeLessThan(1e-5);
    expect(() => sparseLinearForward(randomTensor([3, 9], 13), w, null, pattern)).toThrow('input [3, 9] has 9 features but the weights expect 10');
  });
});
