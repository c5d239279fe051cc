/**
 * The cost lab's roofline, in both languages: the device's roof and every layer's kernels measured in the
 * worker, drawn under the roof, read out by keyboard and tap, and exported with the same numbers; a pruned
 * layer's sparse kernel does fewer FLOPs per byte with more zeros (the figure's lesson, on this machine).
 */
import { readFileSync } from 'node:fs';
import { expect, Page, test } from '@playwright/test';
import { watchErrors } from './fixtures';

async function download(page: Page, testId: string) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: d.suggestedFilename(), bytes: readFileSync(await d.path()) };
}

const LANGUAGES = [
  {
    prefix: '',
    title: 'Why fewer multiplies is not less time',
    progress: 'Measuring the roofline',
    peak: /peak [\d.]+ GFLOP\/s/,
    bound: /compute-bound|memory-bound/,
    weightSparse: 'weight-sparse',
    zeros95: '95% zeros',
  },
  {
    prefix: '/zh-CN',
    title: '屋顶线模型',
    progress: '正在测量屋顶线',
    peak: /峰值 [\d.]+ GFLOP\/s/,
    bound: /受限于算力|受限于内存/,
    weightSparse: '权重稀疏',
    zeros95: '被剪枝的层 95% 零',
  },
];

for (const l of LANGUAGES) {
  test(`${l.prefix || 'en'}: the roofline — this device's roof, each layer's kernels under it, read out and exported`, async ({ page }) => {
    test.setTimeout(180_000);
    const errors = watchErrors(page);
    await page.goto(`${l.prefix}/cost/?cost.rooflineModel=tiny`);
    await expect(page.getByTestId('cost-device')).toHaveAttribute('data-ready', 'true');
    const section = page.getByTestId('roofline');
    await expect(section.getByRole('heading', { level: 2 })).toContainText(l.title);
    await expect(page.getByTestId('roofline-model')).toHaveValue('tiny'); // from the link
    await page.getByTestId('roofline-backend').selectOption('wasm');
    await expect(page).toHaveURL(/cost\.rooflineModel=tiny/);
    await page.getByTestId('run-roofline').click();
    await expect(page.getByRole('progressbar', { name: l.progress })).toBeVisible();
    const chart = page.getByTestId('roofline-chart');
    await expect(chart).toBeVisible({ timeout: 120_000 });

    // tiny: conv1 and conv2 with dense, weight-sparse and Cartesian kernels, fc with dense and CSR, at 4 pruning levels.
    await expect(chart).toHaveAttribute('data-points', String(4 * (3 + 3 + 2)));
    await expect(chart.getByTestId('roofline-series')).toHaveCount(8);
    await expect(chart.getByTestId('roof')).toBeVisible();
    await expect(page.getByTestId('roof-summary')).toContainText(l.peak);

    // The keyboard walks the points; each read-out says where its numbers come from.
    await chart.locator('.chart-body').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('roofline-chart-readout')).toContainText(l.bound);
    // A click or tap near a point reads it out too.
    const target = chart.locator('[data-layer="conv2"][data-kernel="weightSparse"] [data-testid="roofline-point"]').last();
    const box = (await target.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2 + 3, box.y + box.height / 2 + 3); // near it is enough
    await expect(target).toHaveAttribute('data-picked', 'true');
    await expect(page.getByTestId('roofline-chart-readout')).toContainText(`conv2 · ${l.weightSparse} · ${l.zeros95}`);

    const csv = await download(page, 'roofline-csv');
    expect(csv.name).toBe('roofline.csv');
    const [header, ...lines] = csv.bytes.toString('utf8').trim().split('\n');
    expect(header).toBe('backend,peak_gflops,bandwidth_gbs,layer,kernel,prune,weight_density,input_density,flops,bytes,flops_per_byte,ms,gflops');
    expect(lines).toHaveLength(32);
    const rows = lines.map((line) => {
      const c = line.split(',');
      return {
        backend: c[0],
        peak: +c[1],
        layer: c[3],
        kernel: c[4],
        prune: +c[5],
        weights: +c[6],
        flops: +c[8],
        bytes: +c[9],
        intensity: +c[10],
        ms: +c[11],
        gflops: +c[12],
      };
    });
    for (const r of rows) {
      expect(r.backend).toBe('wasm');
      expect(r.intensity).toBeCloseTo(r.flops / r.bytes, 6);
      expect(r.gflops).toBeCloseTo(r.flops / r.ms / 1e6, 3);
      if (r.kernel === 'dense') expect(r.gflops).toBeLessThanOrEqual(r.peak * (1 + 1e-9));
    }
    // conv2 is tiny's pruned layer: its weight density follows the pruning, and its weight-sparse kernel
    // does fewer FLOPs per byte at 95% zeros than at none.
    const conv2 = (kernel: string, prune: number) => rows.find((r) => r.layer === 'conv2' && r.kernel === kernel && r.prune === prune)!;
    expect(conv2('dense', 0.95).weights).toBeCloseTo(0.05, 2);
    expect(conv2('weightSparse', 0.95).intensity).toBeLessThan(conv2('weightSparse', 0).intensity / 4);
    // The dense kernel does the same FLOPs whatever the zeros.
    expect(conv2('dense', 0.95).flops).toBe(conv2('dense', 0).flops);

    const svg = await download(page, 'roofline-svg');
    expect(svg.bytes.toString('utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const table = page.getByTestId('roofline-table');
    await section.locator('details.chart-data summary').click();
    await expect(table.locator('tbody tr')).toHaveCount(32);
    expect(errors).toEqual([]);
  });
}
