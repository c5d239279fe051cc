/**
 * The notebook: read top to bottom in English and in Chinese (the choice is remembered), formulas typeset,
 * cells run in place, and a cell's settings survive a round trip through the URL.
 */
import { expect, test } from '@playwright/test';
import { DATA_INSTALLED, englishLeftovers, openTrainingPage, watchErrors } from './fixtures';

const CHAPTERS_EN = [
  '1. Why sparsity',
  '2. Core ideas',
  '3. The algorithms, with their formulas',
  '4. Practice: the SCNN model on CIFAR-10',
  '5. Where it is used — and when it pays',
  '6. Tools',
  '7. Where the field is going',
];
const CHAPTERS_ZH = [
  '1. 为什么要稀疏',
  '2. 核心概念',
  '3. 算法与公式',
  '4. 实践：在 CIFAR-10 上训练 SCNN 模型',
  '5. 应用场景——以及什么时候划算',
  '6. 工具',
  '7. 发展趋势',
];

test('the notebook reads top to bottom in English and in Chinese, and remembers the choice', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sparse convolutional neural networks, from the zeros up');
  await expect(page.locator('.chapter > h2')).toHaveText(CHAPTERS_EN);
  await expect(page.getByRole('navigation', { name: 'Contents' }).getByRole('link')).toHaveCount(7);
  // The formulas are typeset (KaTeX), the article's model is shown in PyTorch and in our engine's words.
  // Dense and sparse convolution, the article's max-pool beside the sparse one (x ≥ 0), sparse backprop.
  await expect(page.locator('.notebook-formula .katex')).toHaveCount(5);
  await expect(page.getByTestId('engine-spec')).toContainText('conv 32 3x3 pad 1');
  // Every live cell is there and loads.
  for (const cell of ['cell-zeros', 'cell-conv', 'cell-omega', 'cell-train', 'cell-sweep', 'cell-onnx', 'cell-patterns'])
    await expect(page.getByTestId(cell)).toBeVisible();
  // Every chapter holds a live cell.
  for (const chapter of await page.locator('.chapter').all()) await expect(chapter.locator('.nb-cell')).not.toHaveCount(0);
  await expect(page.getByTestId('scene-image')).toBeVisible({ timeout: 60_000 });
  // A term's first use links to its entry in the glossary.
  await expect(page.locator('#glossary dt')).toHaveCount(8);
  await page.locator('#concepts').getByRole('link', { name: 'tap', exact: true }).click();
  await expect(page).toHaveURL(/#term-tap$/);
  await expect(page.locator('#term-tap')).toContainText('One position of a kernel');
  await expect(page.locator('#term-tap')).toBeInViewport();
  await page.screenshot({ path: 'test-results/screenshots/notebook-en.png', fullPage: true });

  await page.getByTestId('lang-zh-CN').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('稀疏卷积神经网络：从零值说起');
  await expect(page.locator('.chapter > h2')).toHaveText(CHAPTERS_ZH);
  await expect(page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '训练' })).toBeVisible();
  await expect(page.getByTestId('device-note')).toContainText(/WebGPU|CPU 引擎/);
  await expect(page.locator('#glossary h2')).toHaveText('术语表');
  await expect(page.locator('#algorithms').getByRole('link', { name: '笛卡尔积算子' })).toHaveAttribute('href', '#term-cartesian');
  await page.screenshot({ path: 'test-results/screenshots/notebook-zh.png', fullPage: true });
  expect(await englishLeftovers(page)).toEqual([]);

  await page.reload(); // remembered
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('稀疏卷积神经网络：从零值说起');
  await page.goto('/?lang=en'); // a link's language wins
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sparse convolutional neural networks, from the zeros up');
  expect(errors).toEqual([]);
});

test('the small cells run in place: zeros counted, the cost formula checked, an ONNX file made, sparsity patterns compared', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  // Chapter 1: the seed model does 6,128,896 multiplies forward for any image; pruning leaves fewer in Ω.
  const zeros = page.getByTestId('zeros-cell');
  await expect(zeros.getByTestId('zeros-headline')).toContainText('For this image the network does 6,128,896 multiplies.', { timeout: 60_000 });
  const omegaDense = Number(await zeros.getByTestId('zeros-headline').getAttribute('data-omega'));
  await zeros.getByTestId('zeros-prune').selectOption('0.9');
  await expect.poll(async () => Number(await zeros.getByTestId('zeros-headline').getAttribute('data-omega'))).toBeLessThan(omegaDense);
  await expect(zeros.getByTestId('zeros-table').locator('tbody tr')).toHaveCount(5); // conv1, conv2, fc1, fc2, all
  await zeros.getByRole('button', { name: 'Next image' }).click();
  await expect(page).toHaveURL(/zeros\.image=2/);
  await expect(page).toHaveURL(/zeros\.prune=0\.9/);

  // Chapter 3, what the indices cost: conv2's weights in bytes, and where each compressed format stops paying.
  const storage = page.getByTestId('storage-cell');
  await storage.scrollIntoViewIfNeeded();
  await expect(storage.getByTestId('storage-break-even')).toHaveText(
    'The engine’s compressed weights are smaller than dense ones up to 49.2% density; the bitmap up to 96.9%. Above that, the indices cost more than the zeros save.',
  );
  await expect(storage.getByTestId('storage-chart')).toHaveAttribute('data-points', '50,50,50');

  // Chapter 3: at full density the exact count is the dense count minus the padding taps, 64·32·46².
  const omega = page.getByTestId('omega-cell');
  await expect(omega.getByTestId('omega-result')).toHaveAttribute('data-dense', String(64 * 32 * 9 * 256), { timeout: 30_000 });
  for (const id of ['omega-dx', 'omega-dw']) {
    await omega.getByTestId(id).focus();
    await page.keyboard.press('End');
  }
  await expect(omega.getByTestId('omega-result')).toHaveAttribute('data-exact', String(64 * 32 * 46 * 46));
  await expect(omega.locator('.live-formula .katex').first()).toContainText('4,718,592');
  await expect(page).toHaveURL(/omega\.dx=100/);

  // Chapter 6: the pruned model's ONNX file, its zeros, its compressed size, and a download.
  const onnx = page.getByTestId('onnx-cell');
  const facts = onnx.getByTestId('onnx-facts');
  await expect(facts).toHaveAttribute('data-parameters', '545098', { timeout: 30_000 });
  expect(Number(await facts.getAttribute('data-gzip'))).toBeLessThan(0.25 * Number(await facts.getAttribute('data-bytes')));
  const [download] = await Promise.all([page.waitForEvent('download'), onnx.getByTestId('onnx-save').click()]);
  expect(download.suggestedFilename()).toBe('sparse-cnn-lab-seed-pruned90.onnx');

  // Chapter 7: same share of zeros, three patterns; the freer the pattern, the more of Σw² it keeps.
  const patterns = page.getByTestId('patterns-cell').getByTestId('pattern');
  await expect(patterns).toHaveCount(3, { timeout: 30_000 });
  const kept = await patterns.evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-kept'))));
  expect(kept[0]).toBeGreaterThanOrEqual(kept[1]);
  expect(kept[1]).toBeGreaterThan(kept[2]);
  await page.getByTestId('patterns-zeros').selectOption('0.75');
  await expect(page.getByTestId('patterns-cell').getByRole('heading', { name: 'N:M — 1 of every 4' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('a cell’s settings live in the URL: opening the link reproduces them; the cell trains in place', async ({ page, context }) => {
  await page.goto('/');
  const cell = page.getByTestId('train-cell');
  await cell.getByTestId('train-cell-model').selectOption('tiny');
  await cell.getByTestId('train-cell-steps').selectOption('50');
  await cell.getByTestId('train-cell-prune').selectOption('0.9');
  await cell.getByTestId('train-cell-seed').fill('7');
  await expect(page).toHaveURL(/train\.model=tiny/);
  const url = page.url();
  expect(new URL(url).searchParams.get('train.steps')).toBe('50');
  expect(new URL(url).searchParams.get('train.prune')).toBe('0.9');
  expect(new URL(url).searchParams.get('train.seed')).toBe('7');

  const shared = await context.newPage();
  await shared.goto(url);
  const again = shared.getByTestId('train-cell');
  await expect(again.getByTestId('train-cell-model')).toHaveValue('tiny');
  await expect(again.getByTestId('train-cell-steps')).toHaveValue('50');
  await expect(again.getByTestId('train-cell-prune')).toHaveValue('0.9');
  await expect(again.getByTestId('train-cell-seed')).toHaveValue('7');
  // A hand-edited URL with nonsense gets the defaults, not a broken cell.
  await shared.goto('/?train.steps=-5&train.model=huge');
  await expect(shared.getByTestId('train-cell').getByTestId('train-cell-model')).toHaveValue('seed');
  await expect(shared.getByTestId('train-cell').getByTestId('train-cell-steps')).toHaveValue('200');

  await cell.getByTestId('train-cell-run').click();
  if (DATA_INSTALLED) {
    await expect(cell.getByTestId('train-cell-done')).toContainText(/Done: 50 steps in [\d.]+ s, test accuracy [\d.]+% on 500 test images\./, {
      timeout: 90_000,
    });
    await expect(cell.getByTestId('train-cell-loss')).toHaveAttribute('data-points', '50');
    await expect(cell.getByTestId('train-cell-run')).toHaveText('Run again');
    // The other cells can use the weights just trained.
    await page.getByTestId('zeros-weights').selectOption('trained');
    await expect(page.getByTestId('zeros-cell')).toContainText('Weights: tiny after 50 training steps in chapter 4.');
    await expect(page.getByTestId('zeros-headline')).toContainText('For this image the network does');
  } else {
    await expect(cell).toContainText('CIFAR-10 is not installed on this server');
  }
});

test('the cells run in Chinese too: step-through, the small figures, training, the sweep and the cost lab speak the chosen language', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/?lang=zh-CN');
  await expect(page.getByTestId('scene-image')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('step-forward').click();
  await expect(page.getByTestId('step-description')).toContainText(/^稀疏第 1 \/ [\d,]+ 步：输入/);
  await expect(page.getByTestId('dense-counter')).toContainText('次乘法');
  await expect(page.getByRole('heading', { name: '稀疏最大池化：对每个窗口在 Ω_k 上取最大值' })).toBeVisible();
  await expect(page.getByTestId('zeros-headline')).toContainText('处理这张图像，网络要做 6,128,896 次乘法。', { timeout: 60_000 });
  await expect(page.getByTestId('omega-cell')).toContainText('精确计数 ÷ 估计');
  await expect(page.getByTestId('storage-break-even')).toContainText('密度不超过 49.2% 时，引擎的压缩权重比稠密存储更小；位图则可到 96.9%。');
  await expect(page.getByTestId('onnx-cell')).toContainText('压缩后');
  await expect(page.getByTestId('patterns-cell').getByRole('heading', { name: 'N:M——每 4 个保留 2 个' })).toBeVisible();
  const trainCell = page.getByTestId('train-cell');
  await trainCell.getByTestId('train-cell-model').selectOption('tiny');
  await trainCell.getByTestId('train-cell-steps').selectOption('50');
  await trainCell.getByTestId('train-cell-run').click();
  if (DATA_INSTALLED) await expect(trainCell.getByTestId('train-cell-done')).toContainText(/^完成：50 步，用时 [\d.]+ 秒/, { timeout: 90_000 });
  else await expect(trainCell).toContainText('此服务器上没有安装 CIFAR-10');
  await page.getByTestId('sweep-grid').selectOption('quick');
  await page.getByTestId('run-sweep').click();
  await expect(page.getByTestId('crossover')).toContainText('在本设备上', { timeout: 90_000 });

  await page.goto('/cost/?lang=zh-CN&cost.model=tiny&cost.batch=1');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('稠密与稀疏：在你的设备上代价几何');
  await page.getByTestId('measure-layers').click();
  await expect(page.getByTestId('amdahl')).toContainText(/占这里一次 CPU 训练步骤的 \d+%/, { timeout: 60_000 });
  await expect(page.getByTestId('layer-table').locator('thead th').first()).toHaveText('层');
  expect(await englishLeftovers(page)).toEqual([]);
});

test('the training lab speaks Chinese: controls, checks, the engine’s own messages, live charts and results', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await page.goto('/?lang=zh-CN'); // chosen once, remembered on the next page
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await openTrainingPage(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('在 CIFAR-10 上训练 CNN');
  await expect(page.getByTestId('start')).toHaveText('开始');
  await expect(page.getByTestId('loss-chart')).toContainText('按“开始”：每一批的损失会显示在这里。');

  // The page's own checks...
  await page.getByTestId('learning-rate').fill('abc');
  await page.getByTestId('start').click();
  await expect(page.getByTestId('run-error')).toHaveText('学习率必须是大于 0 的数（现在是“abc”）。');
  await page.getByTestId('learning-rate').fill('0.001');
  // ...the engine's model-text check (on this thread)...
  await page.getByTestId('preset').selectOption('custom');
  await page.getByTestId('spec-text').fill('input 3x32x32\nconv 8 3x3\nlinear 10');
  await expect(page.getByTestId('spec-status')).toHaveText('第 3 行：linear 需要展平的输入——请在它前面加一行“flatten”');
  await page.getByTestId('preset').selectOption('tiny');
  // ...and the engine worker's file check speak Chinese.
  await page
    .getByTestId('import-checkpoint')
    .first()
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a checkpoint, just some notes '.repeat(8)) });
  await expect(page.getByTestId('notice')).toContainText('notes.txt 不是 Sparse CNN Lab 的检查点（它不以检查点标志开头）。没有任何改动。');
  expect(await englishLeftovers(page)).toEqual([]);

  await page.getByTestId('start').click();
  await expect(page.getByTestId('phase')).toHaveText('训练中');
  // The first evaluation brings the results: class names and captions in Chinese.
  await expect(page.getByTestId('confusion').locator('caption')).toContainText(/500 张测试图像——对角线上 \d+ 张/, { timeout: 120_000 });
  await expect(page.getByTestId('confusion').locator('tbody th').first()).toHaveText('飞机');
  await expect(page.getByTestId('prediction-grid').locator('.truth').first()).toHaveText(/^真实：(飞机|汽车|鸟|猫|鹿|狗|青蛙|马|船|卡车)$/);
  await expect(page.getByTestId('filters')).toContainText('conv1：8 个 3×3×3 的卷积核');
  await expect(page.getByTestId('weights-chart')).toContainText('权重直方图');
  await page.getByTestId('inspect-image').first().click();
  await expect(page.getByTestId('inspector-density').first()).toHaveText(/^\d+% 非零 · \d+% 的位点活跃$/);
  expect(await englishLeftovers(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/screenshots/train-zh.png', fullPage: true });
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('phase')).toHaveText('已暂停');
  expect(errors).toEqual([]);
});
