/**
 * The cost lab: a small sweep measured in the worker produces the chart's points and a crossover, and its
 * CSV holds exactly those measurements; per-layer costs are measured and drawn; a bad checkpoint is named.
 */
import { readFileSync } from 'node:fs';
import { expect, Page, test } from '@playwright/test';
import { watchErrors } from './fixtures';

/** Opens the cost lab once it is live (hydrated, and its worker answered): a control set earlier would be reset. */
async function openCostLab(page: Page) {
  await page.goto('/cost/');
  await expect(page.getByTestId('cost-device')).toHaveAttribute('data-ready', 'true');
}

async function download(page: Page, testId: string) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: d.suggestedFilename(), bytes: readFileSync(await d.path()) };
}

test('a quick sweep: points and a crossover on the chart, and a CSV with the same measurements', async ({ page }) => {
  const errors = watchErrors(page);
  await openCostLab(page);
  await expect(page.getByTestId('cost-device')).toContainText(/\d+ CPU threads?/);
  await page.getByTestId('sweep-grid').selectOption('quick');
  await page.getByTestId('run-sweep').click();
  await expect(page.getByRole('progressbar', { name: 'Measuring the sweep' })).toBeVisible();
  await expect(page.getByTestId('crossover')).toBeVisible({ timeout: 90_000 });
  const chart = page.getByTestId('sweep-chart');
  await expect(chart).toHaveAttribute('data-points', '9');
  await expect(chart.getByTestId('sweep-point')).toHaveCount(27); // dense and both sparse kernels at 9 points
  await expect(chart.getByTestId('literature-line')).toHaveCount(3);
  const crossover = Number(await chart.getAttribute('data-crossover'));

  const csv = await download(page, 'sparsity-sweep-csv');
  expect(csv.name).toBe('sparsity-sweep.csv');
  const [header, ...lines] = csv.bytes.toString('utf8').trim().split('\n');
  expect(header).toBe(
    'input_density,weight_density,density_product,dense_ms,cartesian_ms,weight_sparse_ms,best_sparse_ms,speedup,sparse_wins,dense_macs,ideal_macs,crossover',
  );
  expect(lines).toHaveLength(9);
  const rows = lines.map((line) => line.split(','));
  const grid = [1, 0.3, 0.05];
  expect(rows.map((r) => [Number(r[0]), Number(r[1])])).toEqual(grid.flatMap((x) => grid.map((w) => [x, w])));
  for (const r of rows) {
    const [x, w, product, dense, cartesian, weightSparse, best, speedup, wins, denseMacs, idealMacs, rowCrossover] = r;
    expect(Number(product)).toBeCloseTo(Number(x) * Number(w), 6);
    for (const t of [dense, cartesian, weightSparse]) expect(Number(t)).toBeGreaterThan(0);
    expect(Number(best)).toBeCloseTo(Math.min(Number(cartesian), Number(weightSparse)), 3);
    expect(Number(speedup)).toBeCloseTo(Number(dense) / Number(best), 2);
    expect(wins).toBe(String(Number(speedup) >= 1.1));
    // conv2 at batch 8: 8 · 64 · 16 · 16 outputs × 32 · 9 taps.
    expect(Number(denseMacs)).toBe(8 * 64 * 256 * 32 * 9);
    expect(Number(idealMacs)).toBeLessThanOrEqual(Number(denseMacs));
    expect(Number(rowCrossover)).toBe(crossover);
  }
  // The crossover follows its definition on these very rows.
  const products = rows.map((r) => ({ product: Number(r[2]), wins: r[8] === 'true' }));
  const expected = Math.max(0, ...products.filter((p) => products.every((q) => q.product > p.product || q.wins)).map((p) => p.product));
  expect(crossover).toBeCloseTo(expected, 6);
  // The sparsest point (5% × 5%) is one sparse wins on any machine.
  expect(rows.find((r) => r[0] === '0.05' && r[1] === '0.05')![8]).toBe('true');

  const svg = await download(page, 'sparsity-sweep-svg');
  expect(svg.bytes.toString('utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const png = await download(page, 'sparsity-sweep-png');
  expect(png.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(errors).toEqual([]);
});

test('per-layer costs of a pruned model: stacked bars, the dominant layer, counters in the CSV', async ({ page }) => {
  const errors = watchErrors(page);
  await openCostLab(page);
  await page.getByTestId('cost-model').selectOption('tiny');
  await page.getByTestId('cost-prune').selectOption('0.9');
  await page.getByTestId('measure-layers').click();
  await expect(page.getByTestId('layer-results')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('layer-table').locator('tbody tr')).toHaveCount(8);
  await expect(page.getByTestId('macs-bars').getByTestId('stacked-row')).toHaveCount(6);
  await expect(page.getByTestId('time-bars').getByTestId('stacked-row')).toHaveCount(2);
  await expect(page.getByTestId('amdahl')).toContainText(/takes \d+% of a CPU training step/);
  const csv = (await download(page, 'layer-macs-csv')).bytes
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
  const [header, ...rows] = csv;
  const col = (name: string) => header.indexOf(name);
  expect(rows.map((r) => r[0])).toEqual(['conv1', 'relu1', 'pool1', 'conv2', 'relu2', 'pool2', 'flatten1', 'fc1']);
  const conv2 = rows[3];
  // 90% of conv2's weights are zero: 10% of 16·8·9 kept; compressed storage is smaller than dense.
  expect(Number(conv2[col('weight_nonzeros')])).toBe(Math.round(0.1 * 16 * 8 * 9));
  expect(Number(conv2[col('weights_compressed_bytes')])).toBeLessThan(Number(conv2[col('weights_dense_bytes')]));
  // Dense MACs of conv2's forward pass on 8 images: 8 · 16 · 16 · 16 outputs × 8 · 9 taps.
  expect(Number(conv2[col('forward_dense_macs')])).toBe(8 * 16 * 256 * 72);
  expect(Number(conv2[col('forward_ideal_macs')])).toBeLessThan(Number(conv2[col('forward_dense_macs')]) * 0.2);
  // Times are real: every layer that computes takes time (flatten is a reshape, below the clock's resolution).
  for (const r of rows) if (r[0] !== 'flatten1') expect(Number(r[col('forward_cpu_ms')]), r[0]).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

test('a file that is not a checkpoint is named, and the lab keeps working', async ({ page }) => {
  await openCostLab(page);
  await page.getByTestId('cost-model').selectOption('checkpoint');
  await page.getByTestId('cost-checkpoint').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a checkpoint at all') });
  await page.getByTestId('measure-layers').click();
  await expect(page.getByTestId('layers-error')).toContainText('notes.txt is not a Sparse CNN Lab checkpoint');
  await expect(page.getByTestId('measure-layers')).toBeEnabled();
});

test('TensorFlow.js WASM, loaded only when asked, times the same dense forward pass beside ours, under the CSP', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  const tfjsRequests: string[] = [];
  page.on('request', (r) => {
    if (/tfjs-backend-wasm/.test(r.url())) tfjsRequests.push(r.url());
  });
  await openCostLab(page);
  expect(tfjsRequests).toEqual([]); // not on the page's first load
  await page.getByTestId('run-reference').click();
  await expect(page.getByTestId('reference-speed')).toContainText(/[\d,]+ images\/s/, { timeout: 150_000 });
  await expect(page.getByTestId('reference-table')).toContainText('WASM backend (XNNPACK)');
  await expect(page.getByTestId('reference-ours-dense')).toContainText(/[\d,]+ images\/s/);
  await expect(page.getByTestId('reference-ours-pruned')).toContainText(/[\d,]+ images\/s/);
  expect(tfjsRequests.some((url) => url.endsWith('.wasm'))).toBe(true);
  await page.getByTestId('reference-forward').screenshot({ path: 'test-results/screenshots/cost-reference.png' });
  expect(errors).toEqual([]);
});
