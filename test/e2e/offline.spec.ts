/**
 * Offline for real, in both languages: once the service worker is installed, the lab reloads with the
 * network gone — its pages, workers, WebAssembly and (installed) CIFAR-10 come from the worker's caches —
 * and it trains, saves a checkpoint and exports ONNX. Without installed data the stand-in archive is opened
 * from disk after the offline reload, which must work just as well.
 */
import { expect, test } from '@playwright/test';
import { DATA_INSTALLED, learnableCifarArchive } from './fixtures';

test.use({ serviceWorkers: 'allow' });

for (const [lang, path] of [
  ['en', '/train/'],
  ['zh-CN', '/zh-CN/train/'],
] as const) {
  test(`${lang}: load, go offline, reload, train, save, export`, async ({ page, context }) => {
    test.setTimeout(240_000);
    await page.goto(`${path}?lab.model=tiny`);
    // The service worker installs (precaching the app, and the quick data set where it is installed) and takes the page.
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 60_000 }).toBe(true);

    await context.setOffline(true);
    await page.reload();
    await expect(page.locator('h1')).toBeVisible();
    if (!DATA_INSTALLED) {
      await page.getByTestId('data-file-input').setInputFiles({ name: 'stand-in.tar.gz', mimeType: 'application/gzip', buffer: learnableCifarArchive() });
    }
    await expect(page.getByTestId('start')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('workers').selectOption('1');
    await page.getByTestId('start').click();
    await expect.poll(async () => Number((await page.getByTestId('step').innerText()).replace(/\D/g, '')), { timeout: 60_000 }).toBeGreaterThan(5);
    await page.getByTestId('pause').click();
    for (const [button, extension] of [
      ['export-checkpoint', '.scnn'],
      ['export-onnx', '.onnx'],
    ] as const) {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(button).click()]);
      expect(file.suggestedFilename()).toMatch(new RegExp(`\\${extension}$`));
      expect((await import('node:fs')).statSync((await file.path())!).size).toBeGreaterThan(1000);
    }
    // Still offline: another page of the app opens too.
    await page.goto(lang === 'en' ? '/step/' : '/zh-CN/step/');
    await expect(page.getByTestId('step-forward')).toBeVisible({ timeout: 60_000 });
    await context.setOffline(false);
  });
}
