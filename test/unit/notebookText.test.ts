/**
 * What the notebook states, checked against the engine, so that text and engine cannot drift apart: the
 * seed model's multiplies, the share of its weights in conv2 and fc1, and what max-pooling does to the
 * density of its input.
 */
import { describe, expect, it } from 'vitest';
import { zeroCensus } from '../../engine/cost/zeroCensus';
import { IMAGE_BYTES } from '../../engine/data/cifar10';
import { makeBatch } from '../../engine/data/batch';
import { Model } from '../../engine/model/model';
import { PRESETS } from '../../engine/model/spec';
import { maxPool2dForward } from '../../engine/ops/maxPool2d';
import { Prng } from '../../engine/random/prng';
import { Tensor } from '../../engine/tensor/tensor';
import { en } from '../../i18n/messages/en';
import { zhCN } from '../../i18n/messages/zh-CN';

const chapters = (m: typeof en) => m.notebook.chapters;
const density = (t: Tensor) => t.data.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0) / t.size;

describe('the notebook’s numbers', () => {
  const seed = new Model(PRESETS.seed, 1);
  const rng = new Prng(3);
  const image = { count: 1, images: Uint8Array.from({ length: IMAGE_BYTES }, () => rng.int(256)), labels: Uint8Array.from([0]) };

  it('chapter 1: the seed model does 6,128,896 multiplies forward for one image — “about six million”', async () => {
    const census = await zeroCensus(seed, makeBatch(image, [0]).x);
    expect(census.denseMacs).toBe(6_128_896);
    expect(Math.round(census.denseMacs / 1e6)).toBe(6);
    expect(chapters(en).background.paragraphs[0]).toContain('about six million');
    expect(chapters(zhCN).background.paragraphs[0]).toContain('大约六百万');
  });

  it('conv2 and fc1, the layers the lab prunes, hold 99.6% of the seed model’s weights', async () => {
    const weights = seed.params().filter((p) => p.name.endsWith('.weight'));
    const total = weights.reduce((n, p) => n + p.value.size, 0);
    const pruned = weights.filter((p) => p.name === 'conv2.weight' || p.name === 'fc1.weight').reduce((n, p) => n + p.value.size, 0);
    expect(((100 * pruned) / total).toFixed(1)).toBe('99.6');
  });

  it('chapter 2: with half of the inputs zero at random, one 2×2 window in sixteen pools to zero — pooling makes activations denser', async () => {
    const x = new Tensor([1, 8, 64, 64]);
    const r = new Prng(11);
    for (let i = 0; i < x.size; i++) x.data[i] = r.next() < 0.5 ? 0 : r.next();
    const { y } = maxPool2dForward(x, { kernelSize: 2, stride: 2 });
    expect(density(x)).toBeCloseTo(0.5, 1);
    expect(1 - density(y)).toBeCloseTo(1 / 16, 2);
    expect(density(y)).toBeGreaterThan(density(x));
    expect(chapters(en).concepts.sparsity[0]).toContain('only one 2×2 window in sixteen is');
    expect(chapters(zhCN).concepts.sparsity[0]).toContain('十六分之一');
  });

  it('chapter 1’s table: conv2’s inputs, out of pool1, are mostly nonzero while conv1’s output after ReLU is not', async () => {
    const census = await zeroCensus(seed, makeBatch(image, [0]).x);
    const conv2 = census.layers.find((l) => l.layer === 'conv2')!;
    const relu1 = (await seed.forwardTrace(makeBatch(image, [0]).x))[1];
    expect(conv2.inputDensity).toBeGreaterThan(0.5);
    expect(conv2.inputDensity).toBeGreaterThan(density(relu1));
    expect(chapters(en).concepts.sparsity[0]).toContain('mostly nonzero');
  });
});
