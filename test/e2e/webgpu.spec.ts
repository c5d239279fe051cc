import { expect, Page, test } from '@playwright/test';
import { openTrainingPage, watchErrors } from './fixtures';

const STEPS = 20;

/**
 * Trains `STEPS` steps of tiny on a backend, then reads each step's loss from the loss chart's table —
 * after checking that the layer statistics (measured every 10 steps, on either backend) reached the charts.
 */
const LABELS = { cpu: 'CPU — TypeScript', wasm: 'CPU — WebAssembly SIMD', webgpu: 'WebGPU' };

async function firstLosses(page: Page, backend: 'cpu' | 'wasm' | 'webgpu'): Promise<number[]> {
  await page.getByTestId('backend').selectOption(backend);
  await page.getByTestId('start').click();
  await expect(page.getByTestId('running-on')).toHaveText(LABELS[backend]);
  await expect.poll(async () => Number(await page.getByTestId('step').innerText()), { timeout: 180_000 }).toBeGreaterThanOrEqual(STEPS);
  await page.getByTestId('pause').click();
  // A density line per ReLU and pool layer, a gradient-norm and a gradient-density line per layer with
  // weights, each with a point per measured step; the heatmap a cell per layer and measured step.
  await expect(page.getByTestId('density-chart')).toHaveAttribute('data-points', /^[1-9]\d*,[1-9]\d*,[1-9]\d*,[1-9]\d*$/);
  await expect(page.getByTestId('gradnorm-chart')).toHaveAttribute('data-points', /^[1-9]\d*,[1-9]\d*,[1-9]\d*$/);
  await expect(page.getByTestId('graddensity-chart')).toHaveAttribute('data-points', /^[1-9]\d*,[1-9]\d*,[1-9]\d*$/);
  await expect(page.getByTestId('gradient-heatmap')).toHaveAttribute('data-cells', /^([3-9]|\d\d+)$/);
  if (backend === 'webgpu') {
    await page.getByTestId('gradnorm-chart').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-results/screenshots/train-webgpu-stats.png', fullPage: true });
  }
  const chart = page.getByTestId('loss-chart');
  await chart.getByText('Show the numbers').click();
  const rows = chart.locator('tbody tr');
  const losses: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const cells = rows.nth(i).locator('th, td');
    expect(Number(await cells.nth(0).innerText())).toBe(i + 1);
    losses.push(Number(await cells.nth(1).innerText())); // the raw loss of that step
  }
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('step')).toHaveText('0');
  return losses;
}

test.describe('WebGPU', () => {
  test('20 steps of tiny on WebGPU and on WebAssembly SIMD follow the same steps in TypeScript (same seed), with layer statistics on each', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const errors = watchErrors(page);
    await openTrainingPage(page);
    await expect(page.getByTestId('gpu-status')).toContainText('WebGPU available');
    const cpu = await firstLosses(page, 'cpu');
    const wasm = await firstLosses(page, 'wasm');
    const gpu = await firstLosses(page, 'webgpu');
    await page.screenshot({ path: 'test-results/screenshots/train-webgpu.png', fullPage: true });
    gpu.forEach((loss, i) => expect(Math.abs(loss - cpu[i]), `WebGPU step ${i + 1}: ${loss} vs ${cpu[i]}`).toBeLessThan(1e-3));
    wasm.forEach((loss, i) => expect(Math.abs(loss - cpu[i]), `wasm step ${i + 1}: ${loss} vs ${cpu[i]}`).toBeLessThan(1e-3));
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
  });
});
