/**
 * Nothing lost in the browser's storage: a save the browser refuses for lack of space is reported (the run
 * stays in the tab), and a second tab neither restores nor overwrites the runs the first tab saved.
 */
import { expect, test } from '@playwright/test';
import { openTrainingPage, trainThenPause } from './fixtures';

test('a full storage: the save is reported as not done, the run stays, and it saves once there is room', async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(baseURL!).origin;
  // Far less room than one checkpoint of the tiny model (about 200 kB) needs.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 20_000 });
  await openTrainingPage(page);
  const pausedAt = await trainThenPause(page, 5);
  await expect(page.getByTestId('save-problem')).toContainText(`Step ${pausedAt} was not saved in this browser: the browser’s storage for this site is full`);
  await expect(page.getByTestId('save-problem')).toContainText('The run is kept in this tab');
  await expect(page.getByTestId('saved-step')).toHaveText('—');
  await expect(page.getByTestId('step')).toHaveText(String(pausedAt)); // nothing lost in the tab
  await page.getByTestId('save-problem').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/train-storage-full.png' });
  // Room again: the next save lands, and the warning goes.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await page.getByTestId('resume').click();
  await expect.poll(async () => Number(await page.getByTestId('step').innerText()), { timeout: 60_000 }).toBeGreaterThan(pausedAt + 1);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('saved-step')).toHaveText(/^step \d+$/);
  await expect(page.getByTestId('save-problem')).toHaveCount(0);
  await page.getByTestId('reset').click();
});

test('a run saved, a second tab open, the first reloaded: nothing lost, nothing overwritten', async ({ page, context }) => {
  test.setTimeout(240_000);
  await openTrainingPage(page);
  const pausedAt = await trainThenPause(page, 6);
  await expect(page.getByTestId('saved-step')).toHaveText(`step ${pausedAt}`);

  // A second tab: the first keeps the saved runs, so this one neither restores them nor saves over them.
  const second = await context.newPage();
  await openTrainingPage(second);
  await expect(second.getByTestId('storage-note')).toContainText('Sparse CNN Lab is open in another tab, which keeps the saved runs');
  await expect(second.getByTestId('step')).toHaveText('0');
  const otherSteps = await trainThenPause(second, 3);
  await expect(second.getByTestId('save-problem')).toContainText(`Step ${otherSteps} was not saved in this browser: Sparse CNN Lab is open in another tab`);
  await expect(second.getByTestId('saved-step')).toHaveText('—');
  await second.screenshot({ path: 'test-results/screenshots/train-second-tab.png', fullPage: true });

  // The first tab reloaded, the second still open: its own run comes back, at its own step.
  await openTrainingPage(page, { expectSavedRun: true });
  await expect(page.getByTestId('notice')).toContainText(`at step ${pausedAt}`);
  await expect(page.getByTestId('step')).toHaveText(String(pausedAt));
  await expect(page.getByTestId('storage-note')).toHaveCount(0);
  await second.close();
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('start')).toBeVisible();
});
