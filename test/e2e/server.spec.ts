/**
 * What the static server and the app's error pages do for a learner: a second visit revalidates instead of
 * downloading CIFAR-10 again, an unknown address gets a page that leads on, and a page that fails to render
 * says so (in the page's language) with the error ready to copy for a bug report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './browser';
import { DATA_INSTALLED, openFailingPage } from './fixtures';

test('a second load of /train downloads nothing again: the page and every CIFAR-10 batch are revalidated', async ({ playwright, baseURL }) => {
  // A profile on disk, as a learner's browser has: an incognito context keeps no 30 MB entries.
  const profile = mkdtempSync(path.join(os.tmpdir(), 'scnn-profile-'));
  const context = await playwright.chromium.launchPersistentContext(profile, { executablePath: findChromium()!, args: CHROMIUM_ARGS, baseURL });
  try {
    const page = await context.newPage();
    // Body bytes each load transferred, by file: the page itself and the batches (when installed).
    const transfers = new Map<string, number[]>();
    page.on('requestfinished', async (request) => {
      const url = new URL(request.url());
      const name = url.pathname === '/train/' ? 'train page' : /cifar-10-batches-bin\/([^/]+\.bin)$/.exec(url.pathname)?.[1];
      if (!name) return;
      const { responseBodySize } = await request.sizes();
      transfers.set(name, [...(transfers.get(name) ?? []), responseBodySize]);
    });
    const expected = DATA_INSTALLED ? 3 : 1; // the page, data_batch_1.bin and test_batch.bin
    // No request routing here: Playwright turns the HTTP cache off for a page that routes requests.
    await page.goto('/train/');
    await expect(page.getByTestId(DATA_INSTALLED ? 'start' : 'data-file-input')).toBeAttached({ timeout: 60_000 });
    await expect.poll(() => transfers.size).toBe(expected);
    for (const [name, sizes] of transfers) {
      if (name === 'train page') expect(sizes[0]).toBeGreaterThan(1000);
      else expect(sizes[0]).toBe(30_730_000); // 10,000 records of 3,073 bytes
    }
    await page.reload();
    await expect(page.getByTestId(DATA_INSTALLED ? 'start' : 'data-file-input')).toBeAttached({ timeout: 60_000 });
    await expect.poll(() => [...transfers.values()].every((sizes) => sizes.length === 2)).toBe(true);
    for (const [name, sizes] of transfers) expect(sizes[1], `${name} on the second load`).toBe(0);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('an unknown address gets a page that names it and leads on, in English and Chinese', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toContainText('There is no page here');
  await expect(page.getByTestId('not-found')).toContainText('“/no/such/page”');
  await page.getByTestId('lang-zh-CN').click();
  await expect(page.getByTestId('not-found')).toContainText('这里没有页面');
  await page.getByTestId('not-found').getByRole('link', { name: '训练' }).click();
  await expect(page).toHaveURL(/\/train\/$/);
});

test('a page that fails to render says so, keeps the header, and copies the error for a bug report', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openFailingPage(page);
  const report = page.getByTestId('error-report');
  await expect(report).toContainText('这个页面出错了');
  await expect(report).toContainText('你训练的内容不会丢失');
  await expect(page.getByRole('navigation')).toBeVisible();
  await expect(page.getByTestId('error-details')).toHaveValue(/simulated: this browser cannot format numbers[\s\S]*page: .*\/train\//);
  await page.getByTestId('error-copy').click();
  await expect(page.getByTestId('error-copy-status')).toHaveText('已复制：把它粘贴到错误报告里即可。');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('simulated: this browser cannot format numbers');
  await page.screenshot({ path: 'test-results/screenshots/error-page-zh.png', fullPage: true });
  await page.getByTestId('lang-en').click();
  await expect(report).toContainText('Something went wrong on this page');
});
