/**
 * The WebAssembly SIMD backend in the training lab: the seed model trains at least three times as fast on
 * "CPU — WebAssembly SIMD" as on "CPU — TypeScript", measured one after the other in the same page (a ratio
 * within one run, as the bench compares), and the page's main thread never blocks while either trains.
 */
import { expect, Page, test } from '@playwright/test';
import { longTasksSoFar, openTrainingPage, watchErrors, watchLongTasks } from './fixtures';

const STEPS = 12;

/** Trains the seed model on one thread and a backend until STEPS steps, and returns the images/s shown. */
async function imagesPerSecond(page: Page, backend: 'cpu' | 'wasm', label: string): Promise<number> {
  await page.getByTestId('backend').selectOption(backend);
  await page.getByTestId('start').click();
  await expect(page.getByTestId('running-on')).toHaveText(label);
  await expect.poll(async () => Number(await page.getByTestId('step').innerText()), { timeout: 240_000 }).toBeGreaterThanOrEqual(STEPS);
  const speed = Number((await page.getByTestId('images-per-sec').innerText()).replace(/,/g, ''));
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('phase')).toHaveText('paused');
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('step')).toHaveText('0');
  return speed;
}

test('the seed model trains ≥ 3× faster on WebAssembly SIMD than in TypeScript, without a long task on the page', async ({ page }) => {
  test.setTimeout(400_000);
  const errors = watchErrors(page);
  await openTrainingPage(page);
  await expect(page.getByTestId('backend')).toHaveValue('wasm'); // the default where SIMD runs
  await page.getByTestId('preset').selectOption('seed');
  await page.getByTestId('workers').selectOption('1');
  await watchLongTasks(page);
  const typescript = await imagesPerSecond(page, 'cpu', 'CPU — TypeScript');
  const wasm = await imagesPerSecond(page, 'wasm', 'CPU — WebAssembly SIMD');
  console.log(`seed training, 1 thread: TypeScript ${typescript} images/s, WebAssembly SIMD ${wasm} images/s (${(wasm / typescript).toFixed(2)}×)`);
  expect(wasm / typescript).toBeGreaterThanOrEqual(3);
  expect(await longTasksSoFar(page)).toEqual([]);
  expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
});
