/**
 * The lab installs as an app: every page, in both languages, links a web app manifest that Chromium itself
 * finds nothing wrong with, whose icons are the PNGs it declares.
 */
import { expect, test } from '@playwright/test';

for (const path of ['/', '/train/', '/zh-CN/', '/zh-CN/cost/']) {
  test(`${path} links a manifest Chromium accepts for installing`, async ({ page, request }) => {
    await page.goto(path);
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href).toBe('/manifest.webmanifest');
    const response = await request.get(href!);
    expect(response.ok()).toBe(true);
    expect(response.headers()['content-type']).toMatch(/^application\/manifest\+json/);
    const manifest = await response.json();
    expect(manifest).toMatchObject({ name: 'Sparse CNN Lab', start_url: '/', scope: '/', display: 'standalone' });
    // Each icon is a PNG of the size it claims (the width and height in its header).
    for (const icon of manifest.icons as { src: string; sizes: string; type: string }[]) {
      const bytes = await (await request.get(icon.src)).body();
      expect(bytes.subarray(1, 4).toString('latin1'), icon.src).toBe('PNG');
      expect(`${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
    }
    expect(manifest.icons.some((i: { sizes: string }) => i.sizes === '512x512')).toBe(true);
    // Chromium's own checks: the manifest parses without a complaint, and nothing stops installing but the
    // test's private browsing context.
    const cdp = await page.context().newCDPSession(page);
    const parsed = (await cdp.send('Page.getAppManifest')) as { url: string; errors: { message: string }[] };
    expect(parsed.url).toMatch(/\/manifest\.webmanifest$/);
    expect(parsed.errors).toEqual([]);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] };
    expect(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito')).toEqual([]);
  });
}
