import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS } from './browser';
import { openTrainingPage, watchErrors } from './fixtures';

// A browser without WebGPU at all: no --enable-unsafe-webgpu, and the feature switched off.
test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'), '--disable-features=WebGPU'],
  },
});

test('without WebGPU every page works on the CPU and says so', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByTestId('device-note')).toContainText('everything runs on the CPU engine');
  await openTrainingPage(page);
  await expect(page.getByTestId('gpu-status')).toContainText('WebGPU is not available here');
  await expect(page.getByTestId('backend').locator('option[value="webgpu"]')).toBeDisabled();
  await page.getByTestId('start').click();
  await expect(page.getByTestId('running-on')).toHaveText('CPU — WebAssembly SIMD');
  await expect.poll(async () => Number(await page.getByTestId('step').innerText())).toBeGreaterThan(2);
  await page.screenshot({ path: 'test-results/screenshots/train-no-webgpu.png', fullPage: true });
  await page.getByTestId('reset').click();
  expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
});
