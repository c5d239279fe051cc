/**
 * On a phone (390 px, a touch screen), in both languages: a finger's drag on the drawing pad lights every
 * cell it crosses (a touch captures the pointer to the first cell: the pad follows the finger instead),
 * every control is a tap target of at least 44 px, and what a mouse reads by hovering a tap shows and
 * keeps — a grid cell’s formula term, a chart’s values, the roofline’s kernels.
 */
import { expect, Page, test } from '@playwright/test';
import { openTrainingPage } from './fixtures';

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

/** A real touch drag (touchstart, moves, touchend) through Chromium's input pipeline, from a to b. */
async function touchDrag(page: Page, a: { x: number; y: number }, b: { x: number; y: number }, steps = 12) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [a] });
  for (let i = 1; i <= steps; i++) {
    const p = { x: a.x + ((b.x - a.x) * i) / steps, y: a.y + ((b.y - a.y) * i) / steps };
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [p] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

/** The visible controls smaller than 44 × 44 px (a checkbox counts by its label). */
async function smallTargets(page: Page, within: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const small: string[] = [];
    for (const root of document.querySelectorAll(selector))
      for (const el of root.querySelectorAll<HTMLElement>('button, select, input, summary, [data-testid="draw-cell"], .value-grid .cell')) {
        const target = el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio') ? (el.closest('label') ?? el) : el;
        const box = target.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || getComputedStyle(target).visibility === 'hidden') continue; // not shown
        if (box.width < 44 || box.height < 44)
          small.push(
            `${target.tagName.toLowerCase()}.${target.className} "${(target.textContent ?? '').trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)}`,
          );
      }
    return small;
  }, within);
}

for (const lang of ['en', 'zh-CN']) {
  const prefix = lang === 'en' ? '' : '/zh-CN';

  test(`${lang}: the step-through on a phone — a finger draws, every control is a 44 px target, a tap keeps what hover shows`, async ({ page }) => {
    await page.goto(`${prefix}/step/`);
    await expect(page.getByTestId('draw')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('draw').tap();
    const cells = page.getByTestId('draw-cell');
    await expect(cells).toHaveCount(64);
    // One finger along the second row, from its first cell to its sixth.
    await cells.nth(8).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const first = (await cells.nth(8).boundingBox())!;
    const sixth = (await cells.nth(13).boundingBox())!;
    await touchDrag(page, { x: first.x + first.width / 2, y: first.y + first.height / 2 }, { x: sixth.x + sixth.width / 2, y: sixth.y + sixth.height / 2 });
    const lit = await cells.evaluateAll((all) => all.flatMap((c, i) => (c.getAttribute('aria-pressed') === 'true' ? [i] : [])));
    expect(lit).toEqual([8, 9, 10, 11, 12, 13]);
    expect(await smallTargets(page, 'main')).toEqual([]);
    await page.getByTestId('use-drawing').tap();

    // What a mouse reads by hovering, a tap shows — and it stays once the finger lifts: a formula term lights
    // the cell it reads, the output cell being added to lights its term.
    await page.getByTestId('reveal').tap();
    await page.getByTestId('step-forward').tap();
    const term = page.getByTestId('formula-sparse').locator('[data-term="sparse-x"]');
    // A formula is wider than a phone: its line scrolls sideways in its own box, to the term.
    await term.evaluate((el) => el.scrollIntoView({ block: 'center', inline: 'center' }));
    await term.tap();
    await page.waitForTimeout(300);
    await expect(page.locator('.value-grid .cell.linked')).toHaveCount(1);
    await expect(page.locator('.value-grid .cell.linked')).toHaveClass(/at-sparse/);
    const adding = page.locator('[data-testid^="output-grid-"] .cell.at-sparse');
    await adding.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await adding.tap();
    await page.waitForTimeout(300);
    await expect(page.getByTestId('formula-sparse').locator('[data-term="sparse-y"]')).toHaveClass(/term-linked/);
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  test(`${lang}: the training lab's charts on a phone — 44 px targets, and a tap reads a chart's values`, async ({ page }) => {
    test.setTimeout(120_000);
    await openTrainingPage(page, { path: `${prefix}/train/` });
    await page.getByTestId('preset').selectOption('tiny');
    await page.getByTestId('workers').selectOption('1');
    await page.getByTestId('start').tap();
    await expect.poll(async () => Number((await page.getByTestId('step').innerText()).replace(/\D/g, '')), { timeout: 60_000 }).toBeGreaterThan(10);
    const chart = page.getByTestId('loss-chart').locator('svg');
    await chart.scrollIntoViewIfNeeded();
    await expect(chart.locator('path.series').first()).toHaveAttribute('d', /M/);
    const box = (await chart.boundingBox())!;
    await page.touchscreen.tap(box.x + box.width * 0.7, box.y + box.height / 2);
    await expect(page.getByTestId('loss-chart-readout')).toBeVisible();
    await page.waitForTimeout(500);
    await expect(page.getByTestId('loss-chart-readout')).toBeVisible(); // the finger has lifted: it stays
    expect(await smallTargets(page, 'section.controls, .chart-options, .run .status, .charts')).toEqual([]);
    await page.getByTestId('pause').tap();
  });

  test(`${lang}: the cost lab's roofline on a phone — 44 px targets, and a tap near a kernel reads its numbers`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto(`${prefix}/cost/?cost.rooflineModel=tiny`);
    await expect(page.getByTestId('cost-device')).toHaveAttribute('data-ready', 'true');
    await page.getByTestId('run-roofline').tap();
    const chart = page.getByTestId('roofline-chart');
    await expect(chart).toBeVisible({ timeout: 90_000 });
    await chart.scrollIntoViewIfNeeded();
    // A finger lands 14 px off a point (a few pixels wide on a phone), away from its nearest neighbour: the
    // point is still the one read.
    const points = chart.getByTestId('roofline-point');
    const centres = await points.evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }),
    );
    const neighbour = (i: number) =>
      centres.reduce(
        (best, c, j) =>
          j !== i && Math.hypot(c.x - centres[i].x, c.y - centres[i].y) < best.d ? { j, d: Math.hypot(c.x - centres[i].x, c.y - centres[i].y) } : best,
        {
          j: -1,
          d: Infinity,
        },
      );
    const target = centres.map((_, i) => i).reduce((a, b) => (neighbour(b).d > neighbour(a).d ? b : a));
    const away = neighbour(target);
    expect(away.d).toBeGreaterThan(30);
    const ux = (centres[target].x - centres[away.j].x) / away.d;
    const uy = (centres[target].y - centres[away.j].y) / away.d;
    await page.touchscreen.tap(centres[target].x + 14 * ux, centres[target].y + 14 * uy);
    await expect(points.nth(target)).toHaveAttribute('data-picked', 'true');
    await expect(page.getByTestId('roofline-chart-readout')).toContainText(/FLOP/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await smallTargets(page, '[data-testid="roofline"]')).toEqual([]);
  });
}
