/**
 * Accessibility: axe-core finds no serious or critical violation on any page — empty, and with results on
 * screen — in English and in Chinese; keyboard focus is visible.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, Page, test } from '@playwright/test';
import { measureTinyLayerCosts, openFailingPage, openTrainingPage } from './fixtures';

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    );
}

for (const lang of ['en', 'zh-CN']) {
  test(`no serious accessibility violation on any page (${lang})`, async ({ page }) => {
    test.setTimeout(180_000);
    await page.goto(`/?lang=${lang}`);
    await expect(page.getByTestId('scene-image')).toBeVisible({ timeout: 60_000 });
    expect(await seriousViolations(page), 'notebook').toEqual([]);
    await page.goto('/step/');
    await expect(page.getByTestId('scene-image')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('step-forward').click();
    expect(await seriousViolations(page), 'step').toEqual([]);
    await openTrainingPage(page);
    expect(await seriousViolations(page), 'train, before a run').toEqual([]);
    await page.getByTestId('workers').selectOption('1');
    await page.getByTestId('start').click();
    await expect.poll(async () => Number(await page.getByTestId('step').innerText()), { timeout: 60_000 }).toBeGreaterThan(5);
    await page.getByTestId('pause').click();
    expect(await seriousViolations(page), 'train, with charts').toEqual([]);
    await page.getByTestId('reset').click();
    await measureTinyLayerCosts(page);
    expect(await seriousViolations(page), 'cost').toEqual([]);
    await page.goto('/no/such/page');
    await expect(page.getByTestId('not-found')).toBeVisible();
    expect(await seriousViolations(page), 'not found').toEqual([]);
  });
}

test('no serious accessibility violation on the page shown after a render error', async ({ page }) => {
  await openFailingPage(page);
  await expect(page.getByTestId('error-report')).toBeVisible();
  expect(await seriousViolations(page), 'error page').toEqual([]);
});

test('keyboard: Tab reaches the navigation and the language switch, and focus is visible', async ({ page }) => {
  await page.goto('/');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  const focused: string[] = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    focused.push(await page.evaluate(() => (document.activeElement as HTMLElement).innerText.trim()));
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 ? 'outline' : s.boxShadow !== 'none' ? 'shadow' : 'none';
    });
    expect(outline, `focus ring on "${focused.at(-1)}"`).not.toBe('none');
  }
  expect(focused).toEqual(expect.arrayContaining(['Notebook', 'Train', 'Cost', 'English', '中文']));
  // The language switch works from the keyboard.
  await page.getByTestId('lang-zh-CN').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
});
