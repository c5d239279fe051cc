/**
 * Each language has its own pages: /zh-CN/… ships Chinese HTML (before any script runs), `/` stays English,
 * a `?lang=` link and the remembered choice lead to the right page, and the language switch keeps the
 * figures' settings and a running training.
 */
import { expect, Page, test } from '@playwright/test';
import { DATA_INSTALLED, learnableCifarArchive, openTrainingPage, watchErrors } from './fixtures';

const PAGES = [
  {
    path: '',
    en: ['Sparse CNN Lab', 'Sparse convolutional neural networks, from the zeros up'],
    zh: ['Sparse CNN Lab：稀疏卷积神经网络', '稀疏卷积神经网络：从零值说起'],
  },
  {
    path: 'step/',
    en: ['Step through a sparse convolution — Sparse CNN Lab', 'Step through a sparse convolution'],
    zh: ['逐步演示稀疏卷积 — Sparse CNN Lab', '逐步演示稀疏卷积'],
  },
  { path: 'train/', en: ['Train — Sparse CNN Lab', 'Train a CNN on CIFAR-10'], zh: ['训练 — Sparse CNN Lab', '在 CIFAR-10 上训练 CNN'] },
  {
    path: 'cost/',
    en: ['Cost — Sparse CNN Lab', 'Dense vs sparse: what it costs on your device'],
    zh: ['开销 — Sparse CNN Lab', '稠密与稀疏：在你的设备上代价几何'],
  },
];

test('the static HTML of every page is in its language: lang, title and text, before any script runs', async ({ request }) => {
  for (const { path, en, zh } of PAGES) {
    const english = await (await request.get(`/${path}`)).text();
    expect(english, `/${path}`).toContain('<html lang="en"');
    expect(english).toContain(`<title>${en[0]}</title>`);
    expect(english).toMatch(new RegExp(`<h1[^>]*>${en[1]}`));
    // Each page names its twin in the other language.
    expect(english).toContain(`<link rel="alternate" hrefLang="zh-CN" href="/zh-CN/${path}"/>`);
    const chinese = await (await request.get(`/zh-CN/${path}`)).text();
    expect(chinese, `/zh-CN/${path}`).toContain('<html lang="zh-CN"');
    expect(chinese).toContain(`<title>${zh[0]}</title>`);
    expect(chinese).toMatch(new RegExp(`<h1[^>]*>${zh[1]}`));
    expect(chinese).not.toContain(en[1]);
  }
});

test('a ?lang= link opens the page in that language and is remembered; a link’s own language wins over the memory', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/step/?lang=zh-CN&conv.kernel=5');
  await expect(page).toHaveURL(/\/zh-CN\/step\/\?lang=zh-CN&conv\.kernel=5$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page).toHaveTitle('逐步演示稀疏卷积 — Sparse CNN Lab');
  await expect(page.getByTestId('kernel-size')).toHaveValue('5'); // the figure's setting came along
  await page.goto('/cost/'); // remembered
  await expect(page).toHaveURL(/\/zh-CN\/cost\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('稠密与稀疏：在你的设备上代价几何');
  // The header's links stay in the language.
  await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '笔记本' }).click();
  await expect(page).toHaveURL(/\/zh-CN\/$/);
  await page.goto('/?lang=en'); // a link's language wins, and is remembered in its turn
  await expect(page).toHaveURL(/\/\?lang=en$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sparse convolutional neural networks, from the zeros up');
  await page.goto('/train/');
  await expect(page).toHaveURL(/\/train\/$/);
  // An address under /zh-CN/ keeps its language whatever was remembered.
  await page.goto('/zh-CN/step/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  expect(errors).toEqual([]);
});

test('a Chinese browser opens the English address in Chinese until the learner chooses', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page).toHaveURL(/\/zh-CN\/$/);
  await page.getByTestId('lang-en').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.goto('/step/'); // chosen: English stays
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Step through a sparse convolution');
  await context.close();
});

test('the language switch opens the same page with the figure’s settings and place as they are now', async ({ page }) => {
  await page.goto('/step/?conv.pruning=0.8');
  await expect(page.getByTestId('step-forward')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('threshold').fill('0.3'); // written to the URL after the link was drawn
  await expect(page).toHaveURL(/conv\.threshold=0\.3/);
  await page.getByTestId('lang-zh-CN').click();
  await expect(page).toHaveURL(/\/zh-CN\/step\/\?conv\.pruning=0\.8&conv\.threshold=0\.3$/);
  await expect(page.getByTestId('threshold')).toHaveValue('0.3');
  await expect(page.getByTestId('pruning')).toHaveValue('0.8');
  await expect(page.getByTestId('lang-zh-CN')).toHaveAttribute('aria-current', 'true');
  await page.getByTestId('lang-en').click();
  await expect(page).toHaveURL(/\/step\/\?conv\.pruning=0\.8&conv\.threshold=0\.3$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Step through a sparse convolution');
});

async function reopenData(page: Page) {
  if (!DATA_INSTALLED)
    await page.getByTestId('data-file-input').setInputFiles({ name: 'stand-in.tar.gz', mimeType: 'application/gzip', buffer: learnableCifarArchive() });
}

test('switching language while training pauses the run, saves it, and the other language’s lab brings it back there', async ({ page }) => {
  test.setTimeout(180_000);
  await openTrainingPage(page);
  await page.getByTestId('preset').selectOption('tiny');
  await page.getByTestId('workers').selectOption('1');
  await page.getByTestId('start').click();
  await expect.poll(async () => Number(await page.getByTestId('step').innerText()), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  await page.getByTestId('lang-zh-CN').click();
  await expect(page).toHaveURL(/\/zh-CN\/train\/$/);
  await reopenData(page);
  await expect(page.getByTestId('resume')).toBeVisible({ timeout: 60_000 });
  const restored = Number((await page.getByTestId('step').innerText()).replace(/,/g, ''));
  expect(restored).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId('notice')).toContainText(`第 ${restored} 步`);
});
