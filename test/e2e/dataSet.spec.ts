/**
 * The whole data set, in both languages: the learner picks 50,000 training and 10,000 test images (the
 * memory each takes is shown), the rest of the batches load with progress when Start is pressed, and the
 * whole test set is evaluated at each epoch's end beside training — charted as its own series, and the
 * confusion matrix counts all of it. Without installed data the stand-in archive plays CIFAR-10 (600 images
 * per batch), so the numbers follow what is at hand.
 */
import { expect, test } from '@playwright/test';
import { DATA_INSTALLED, openTrainingPage, watchErrors } from './fixtures';

const perBatch = DATA_INSTALLED ? 10_000 : 600;
const texts = {
  en: {
    path: '/train/',
    format: (n: number) => n.toLocaleString('en-US'),
    trainOption: '50,000 · 154 MB',
    testOption: '10,000 · 31 MB',
    quickTrain: '10,000 · 31 MB',
    training: 'training',
    source: (train: string) => `Data: ${train} training`,
    confusion: (n: string) => `${n} test images`,
    loading: /Loading|Reading|Unpacking|batch/i,
  },
  'zh-CN': {
    path: '/zh-CN/train/',
    format: (n: number) => n.toLocaleString('zh-CN'),
    trainOption: '50,000 张 · 154 MB',
    testOption: '10,000 张 · 31 MB',
    quickTrain: '10,000 张 · 31 MB',
    training: '训练中',
    source: (train: string) => `数据：${train} 张训练图像`,
    confusion: (n: string) => `${n} 张测试图像`,
    loading: /加载|读取|解压|批/,
  },
};

for (const [lang, t] of Object.entries(texts)) {
  test(`${lang}: 50,000 training and 10,000 test images, loaded with progress, the whole test set evaluated beside training`, async ({ page }) => {
    test.setTimeout(240_000);
    const errors = watchErrors(page);
    await openTrainingPage(page, { path: t.path });
    await page.getByTestId('preset').selectOption('tiny');
    await page.getByTestId('workers').selectOption('1');
    // The choices say what they cost in memory; the default is the quick one.
    await expect(page.getByTestId('train-set')).toHaveValue('10000');
    await expect(page.getByTestId('train-set').locator('option').first()).toHaveText(t.quickTrain);
    await expect(page.getByTestId('train-set').locator('option').last()).toHaveText(t.trainOption);
    await expect(page.getByTestId('test-set').locator('option').last()).toHaveText(t.testOption);
    await expect(page.locator('.data-source')).toContainText(t.source(t.format(perBatch)));
    await page.getByTestId('train-set').selectOption('50000');
    await page.getByTestId('test-set').selectOption('10000');
    await expect(page).toHaveURL(/lab\.trainImages=50000/);
    await expect(page).toHaveURL(/lab\.testImages=10000/);

    // Start loads the other four batches first, with progress, then trains on all of them.
    await page.getByTestId('start').click();
    await expect(page.getByTestId('loading-more').locator('[role="progressbar"]')).toBeVisible();
    await expect(page.getByTestId('phase')).toHaveText(t.training, { timeout: 120_000 });
    await expect(page.locator('.data-source')).toContainText(t.source(t.format(5 * perBatch)));
    await expect.poll(async () => Number((await page.getByTestId('step').innerText()).replace(/\D/g, ''))).toBeGreaterThan(3);
    await page.getByTestId('reset').click();

    // One batch's worth of training images, all the test images: an epoch ends soon, and its evaluation of
    // every test image arrives as a third series beside the quick ones, while the steps go on.
    await page.getByTestId('train-set').selectOption('10000');
    await page.getByTestId('start').click();
    const testImages = DATA_INSTALLED ? 10_000 : 600;
    await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-points', /^\d+,\d+,[1-9]\d*$/, { timeout: 180_000 });
    await expect(page.getByTestId('accuracy-chart')).toContainText(t.format(testImages));
    await expect(page.getByTestId('confusion').locator('caption')).toContainText(t.confusion(t.format(testImages)), { timeout: 30_000 });
    const cells = await page.getByTestId('confusion').locator('tbody td').allTextContents(); // folded away, but there
    expect(cells.reduce((n, c) => n + Number(c.replace(/\D/g, '')), 0)).toBe(testImages);
    const stepAtEval = Number((await page.getByTestId('step').innerText()).replace(/\D/g, ''));
    await expect.poll(async () => Number((await page.getByTestId('step').innerText()).replace(/\D/g, ''))).toBeGreaterThan(stepAtEval);
    await page.screenshot({ path: `test-results/screenshots/train-full-data-${lang}.png`, fullPage: true });
    await page.getByTestId('pause').click();
    expect(errors).toEqual([]);
  });
}
