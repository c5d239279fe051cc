/** Shareable state, in both languages: the training lab's and the cost lab's settings round-trip through the URL. */
import { expect, test } from '@playwright/test';
import { DATA_INSTALLED, learnableCifarArchive } from './fixtures';

const LANGUAGES = [
  { lang: 'en', prefix: '', specOk: 'The model fits together.' },
  { lang: 'zh-CN', prefix: '/zh-CN', specOk: '模型各层能衔接起来。' },
];

for (const { lang, prefix, specOk } of LANGUAGES) {
  test(`${lang}: training lab settings: a link sets the controls, and changes go back into the URL`, async ({ page }) => {
    if (!DATA_INSTALLED) await page.route('**/data/cifar-10-batches-bin/**', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await page.goto(`${prefix}/train/?lab.model=seed&lab.lr=0.002&lab.prune=0.9&lab.pruneFrom=0&lab.compare=true&lab.seed=5`);
    if (!DATA_INSTALLED)
      await page.getByTestId('data-file-input').setInputFiles({ name: 'stand-in.tar.gz', mimeType: 'application/gzip', buffer: learnableCifarArchive() });
    await expect(page.getByTestId('start')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('preset')).toHaveValue('seed');
    await expect(page.getByTestId('learning-rate')).toHaveValue('0.002');
    await expect(page.getByTestId('compare')).toHaveValue('compare');
    await expect(page.getByTestId('prune-to')).toHaveValue('0.9');
    await expect(page.getByTestId('prune-start')).toHaveValue('0');
    await expect(page.locator('[data-run="b"]')).toBeVisible(); // the comparison is laid out
    await page.getByTestId('optimizer').selectOption('sgd');
    await expect(page).toHaveURL(/lab\.optimizer=sgd/);
    await expect(page).toHaveURL(/lab\.seed=5/);
    // A custom model travels as text.
    await page.getByTestId('preset').selectOption('custom');
    await page.getByTestId('spec-text').fill('input 3x32x32\nconv 4 3x3\nrelu\nflatten\nlinear 10');
    await expect(page).toHaveURL(/lab\.model=custom/);
    const link = page.url();
    await page.goto(link);
    if (!DATA_INSTALLED)
      await page.getByTestId('data-file-input').setInputFiles({ name: 'stand-in.tar.gz', mimeType: 'application/gzip', buffer: learnableCifarArchive() });
    await expect(page.getByTestId('spec-text')).toHaveValue('input 3x32x32\nconv 4 3x3\nrelu\nflatten\nlinear 10', { timeout: 60_000 });
    await expect(page.getByTestId('spec-status')).toHaveText(specOk);
  });

  test(`${lang}: cost lab settings: a link sets the controls, and changes go back into the URL`, async ({ page }) => {
    await page.goto(`${prefix}/cost/?cost.model=tiny&cost.prune=0.5&cost.batch=1&cost.grid=quick&cost.roofline=cpu&cost.rooflineModel=tiny`);
    await expect(page.getByTestId('cost-model')).toHaveValue('tiny');
    await expect(page.getByTestId('cost-prune')).toHaveValue('0.5');
    await expect(page.getByTestId('cost-batch')).toHaveValue('1');
    await expect(page.getByTestId('sweep-grid')).toHaveValue('quick');
    await expect(page.getByTestId('roofline-backend')).toHaveValue('cpu');
    await expect(page.getByTestId('roofline-model')).toHaveValue('tiny');
    await page.getByTestId('cost-prune').selectOption('0.95');
    await expect(page).toHaveURL(/cost\.prune=0\.95/);
    await page.getByTestId('cost-model').selectOption('seed');
    await expect(page).not.toHaveURL(/cost\.model/);
    await page.getByTestId('roofline-model').selectOption('seed');
    await expect(page).not.toHaveURL(/cost\.rooflineModel/);
    await expect(page).toHaveURL(/cost\.roofline=cpu/);
  });
}
