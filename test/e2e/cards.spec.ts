/**
 * Results leave the page, in both languages: every training chart exports its numbers (CSV), its drawing
 * (SVG) and a picture (PNG); a run exports an experiment card (JSON, and a printable PNG); the compare view
 * opens several cards — from the file picker or dropped — draws them on one chart and one table, and
 * refuses a file that is not a card, naming it, without losing the cards already open.
 */
import { readFileSync } from 'node:fs';
import { Download, expect, Page, test } from '@playwright/test';
import { openTrainingPage, watchErrors } from './fixtures';

const texts = {
  en: {
    path: '/train/',
    refused: /^Not opened: broken\.json is not an experiment card: it is not JSON text\.$/,
    csvHeader: 'step,loss,loss (smoothed)',
    noEpochs: 'No open card has a finished epoch yet',
  },
  'zh-CN': {
    path: '/zh-CN/train/',
    refused: /^没有打开：broken\.json 不是实验卡片：它不是 JSON 文本。$/,
    csvHeader: '步,损失,损失（平滑）',
    noEpochs: '打开的卡片中还没有完成的训练轮次',
  },
};

async function download(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).first().click()]);
  return { name: (file as Download).suggestedFilename(), bytes: readFileSync((await file.path())!) };
}
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

for (const [lang, t] of Object.entries(texts)) {
  test(`${lang}: charts export CSV, SVG and PNG; a run exports its card; the compare view opens cards and refuses the rest`, async ({ page }) => {
    test.setTimeout(180_000);
    const errors = watchErrors(page);
    await openTrainingPage(page, { path: t.path });
    await page.getByTestId('preset').selectOption('tiny');
    await page.getByTestId('workers').selectOption('1');
    await expect(page.getByTestId('compare-cards')).toBeVisible();
    await page.getByTestId('start').click();
    // An epoch ends: the card will have one.
    await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-points', /^\d+,[1-9]/, { timeout: 120_000 });
    await expect.poll(async () => Number((await page.getByTestId('step').innerText()).replace(/\D/g, '')), { timeout: 120_000 }).toBeGreaterThan(320);
    await page.getByTestId('pause').click();

    // A chart's three exports.
    await page.getByTestId('loss-chart').scrollIntoViewIfNeeded();
    const csv = await download(page, 'sparse-cnn-lab-loss-csv');
    expect(csv.name).toBe('sparse-cnn-lab-loss.csv');
    const rows = csv.bytes.toString('utf8').trim().split('\n');
    expect(rows[0]).toBe(t.csvHeader);
    const steps = Number((await page.getByTestId('step').innerText()).replace(/\D/g, ''));
    expect(rows.length - 1).toBe(steps); // one row per step
    expect(rows[1]).toMatch(/^1,[\d.]+,[\d.]+$/);
    const svg = await download(page, 'sparse-cnn-lab-loss-svg');
    expect(svg.bytes.toString('utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect((await download(page, 'sparse-cnn-lab-loss-png')).bytes.subarray(0, 4)).toEqual(PNG);
    await page.getByTestId('weights-chart').scrollIntoViewIfNeeded();
    expect((await download(page, 'sparse-cnn-lab-weights-png')).bytes.subarray(0, 4)).toEqual(PNG);
    expect((await download(page, 'sparse-cnn-lab-weights-csv')).bytes.toString('utf8')).toMatch(/^layer,from,to,count,first_count\n(conv1|conv2|fc1),/);

    // The run's card, and its picture.
    const cardFile = await download(page, 'export-card');
    expect(cardFile.name).toMatch(/^sparse-cnn-lab-card-tiny-step\d+\.json$/);
    const card = JSON.parse(cardFile.bytes.toString('utf8'));
    expect(card).toMatchObject({ format: 'sparse-cnn-lab/experiment-card', version: 1, settings: { seed: 1, batchSize: 32 }, device: { threads: 1 } });
    expect(card.epochs.length).toBeGreaterThanOrEqual(1);
    expect(card.result.steps).toBe(steps);
    const picture = await download(page, 'export-card-png');
    expect(picture.bytes.subarray(0, 4)).toEqual(PNG);
    expect(picture.bytes.length).toBeGreaterThan(10_000);

    // Compare: two cards from the picker (the second as another learner's, with another seed), one dropped,
    // and a broken file refused by name while the others stay.
    const other = { ...card, settings: { ...card.settings, seed: 2 }, result: { ...card.result, imagesPerSec: 1234 } };
    await page.getByTestId('cards-input').setInputFiles([
      { name: 'mine.json', mimeType: 'application/json', buffer: cardFile.bytes },
      { name: 'theirs.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(other)) },
      { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{ not a card') },
    ]);
    await expect(page.getByTestId('card-refused')).toHaveText(t.refused);
    await expect(page.getByTestId('cards-table').locator('tbody tr')).toHaveCount(2);
    await expect(page.getByTestId('cards-table')).toContainText('1,234');
    const dropped = await page.evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
      return transfer;
    }, cardFile.bytes.toString('utf8'));
    await page.dispatchEvent('[data-testid="cards-drop"]', 'drop', { dataTransfer: dropped });
    await expect(page.getByTestId('cards-table').locator('tbody tr')).toHaveCount(3);
    await expect(page.getByTestId('card-refused')).toHaveCount(0);
    const chart = page.getByTestId('cards-chart');
    await chart.scrollIntoViewIfNeeded();
    await expect(chart).toHaveAttribute('data-points', new RegExp(`^${card.epochs.length},${card.epochs.length},${card.epochs.length}$`));
    await page.getByTestId('cards-table').locator('tbody tr').first().getByRole('button').click();
    await expect(page.getByTestId('cards-table').locator('tbody tr')).toHaveCount(2);
    await page.getByTestId('compare-cards').screenshot({ path: `test-results/screenshots/compare-cards-${lang}.png` });
    // A card of a run paused before its first epoch ended: the chart says why it is empty, not that nothing is open.
    const cardRows = page.getByTestId('cards-table').locator('tbody tr');
    while ((await cardRows.count()) > 0) await cardRows.first().getByRole('button').click();
    await page
      .getByTestId('cards-input')
      .setInputFiles([{ name: 'early.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ ...card, epochs: [] })) }]);
    await expect(cardRows).toHaveCount(1);
    await expect(chart).toContainText(t.noEpochs);
    expect(errors).toEqual([]);
  });
}
