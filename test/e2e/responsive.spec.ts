/** Usable at 390 px and at 1440 px: no page scrolls sideways (wide figures scroll inside their own box). */
import { expect, test } from '@playwright/test';

for (const width of [390, 1440]) {
  for (const lang of ['en', 'zh-CN']) {
    test(`every page fits ${width} px (${lang})`, async ({ page }) => {
      await page.setViewportSize({ width, height: 900 });
      for (const path of ['/', '/step/', '/train/', '/cost/']) {
        await page.goto(`${path}?lang=${lang}`);
        await expect(page.locator('html')).toHaveAttribute('lang', lang);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
        if (path === '/') await expect(page.getByTestId('scene-image')).toBeVisible({ timeout: 60_000 }); // the cells are in
        await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { message: path }).toBeLessThanOrEqual(width);
        // The navigation is reachable at every width.
        await expect(
          page.getByRole('navigation', { name: lang === 'en' ? 'Main' : '主导航' }).getByRole('link', { name: lang === 'en' ? 'Cost' : '开销' }),
        ).toBeVisible();
      }
    });
  }
}
