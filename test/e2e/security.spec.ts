/**
 * Security and offline use: every page is served with a strict Content-Security-Policy and breaks none of
 * it; with every request to another origin blocked, the app still works (nothing leaves the machine); with
 * the network gone, an open page trains, saves and exports; a file name is shown as text, never run as HTML.
 */
import { expect, Page, test } from '@playwright/test';
import { DATA_INSTALLED, measureTinyLayerCosts, openTrainingPage, watchErrors } from './fixtures';

/** Records CSP violations in the page. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const w = window as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
  return () => page.evaluate(() => (window as unknown as { violations: string[] }).violations);
}

test('a strict CSP on every page, and the app works with every other origin blocked', async ({ page, context, baseURL }) => {
  test.setTimeout(180_000);
  const origin = new URL(baseURL!).origin;
  const leaving: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    leaving.push(url);
    return route.abort('blockedbyclient');
  });
  const errors = watchErrors(page);
  const violations = await watchViolations(page);

  for (const path of ['/', '/step/', '/train/', '/cost/']) {
    const response = await page.goto(path);
    const policy = response!.headers()['content-security-policy'];
    expect(policy, path).toContain("default-src 'self'");
    expect(policy, path).toContain("connect-src 'self'");
    // The only thing beyond this origin's scripts (and the page's own inline ones, by hash): compiling WebAssembly.
    expect(policy, path).not.toContain("'unsafe-eval'");
    expect(policy, path).toMatch(/script-src 'self' 'wasm-unsafe-eval'( 'sha256-[A-Za-z0-9+/=]+')*;/);
    expect(/script-src[^;]*unsafe-inline/.test(policy), path).toBe(false);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
  // The engine at work under the policy: a notebook cell, a training run, a cost measurement.
  await page.goto('/');
  await expect(page.getByTestId('scene-image')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('.notebook-formula .katex')).toHaveCount(5);
  await openTrainingPage(page);
  await page.getByTestId('workers').selectOption('2');
  await page.getByTestId('start').click();
  await expect.poll(async () => Number(await page.getByTestId('step').innerText()), { timeout: 60_000 }).toBeGreaterThan(3);
  await expect(page.getByTestId('threads')).toHaveText('2 · shared'); // gradient workers run under the policy too
  await page.getByTestId('reset').click();
  await measureTinyLayerCosts(page);

  expect(await violations()).toEqual([]);
  expect(leaving).toEqual([]);
  expect(errors.filter((e) => DATA_INSTALLED || !e.includes('404'))).toEqual([]);
});

test('offline: with the data installed and the page open, the network can go away — training, saving and exporting go on', async ({ page, context }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openTrainingPage(page);
  await page.getByTestId('workers').selectOption('1');
  await context.setOffline(true); // not even the app's own server answers now
  await page.getByTestId('start').click();
  await expect.poll(async () => Number(await page.getByTestId('step').innerText()), { timeout: 60_000 }).toBeGreaterThan(5);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('saved-step')).toHaveText(/^step \d+$/); // saved in this browser
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-onnx').click()]);
  expect(download.suggestedFilename()).toMatch(/\.onnx$/);
  // The Chinese page cannot be fetched now: the switch says so, and the page and its run stay as they are.
  const step = await page.getByTestId('step').innerText();
  await page.getByTestId('lang-zh-CN').click();
  await expect(page.getByTestId('language-problem')).toContainText('The 中文 page could not be loaded');
  await expect(page).toHaveURL(/\/train\/$/);
  await expect(page.getByTestId('phase')).toHaveText('paused');
  await expect(page.getByTestId('step')).toHaveText(step);
  // Back online, the switch opens the Chinese lab, which brings the saved run back where it was.
  await context.setOffline(false);
  await page.getByTestId('lang-zh-CN').click();
  await expect(page).toHaveURL(/\/zh-CN\/train\/$/);
  await expect(page.getByTestId('phase')).toHaveText('已暂停', { timeout: 60_000 });
  await expect(page.getByTestId('step')).toHaveText(step);
  // The one failed request is the switch's own look at the Chinese page while offline.
  expect(errors.filter((e) => !/^Failed to load resource: net::ERR_INTERNET_DISCONNECTED \(http:\/\/localhost:\d+\/zh-CN\/train\/\)$/.test(e))).toEqual([]);
});

test('a file name is shown as text, never run as HTML', async ({ page }) => {
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await page.goto('/step/');
  const name = '<img src=x onerror=alert(1)>.png';
  await page.getByTestId('picture-input').setInputFiles({ name, mimeType: 'image/png', buffer: Buffer.from('not a picture') });
  await expect(page.getByTestId('scene-error')).toContainText(name);
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(dialogs).toBe(0);
});
