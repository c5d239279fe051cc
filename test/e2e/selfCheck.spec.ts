/**
 * Every chapter asks the learner to predict, then reveals the engine's number: the guess is kept in the
 * URL, nothing is revealed before a guess, and the two slow answers come from the chapter's own cell once it
 * has run. In English and in Chinese.
 */
import { expect, Page, test } from '@playwright/test';
import { DATA_INSTALLED, englishLeftovers } from './fixtures';

async function guessAndReveal(page: Page, id: string, guess: string) {
  const check = page.getByTestId(`check-${id}`);
  await check.scrollIntoViewIfNeeded();
  const field = check.getByTestId(`check-${id}-guess`);
  if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(guess);
  else await field.fill(guess);
  await check.getByTestId(`check-${id}-reveal`).click();
  return check;
}

test('every chapter: predict, then reveal the engine’s number; guesses live in the URL', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  // No guess, no reveal.
  await expect(page.getByTestId('check-ch1-reveal')).toBeDisabled();
  await page.getByTestId('check-ch1-guess').fill('250');
  await expect(page.getByTestId('check-ch1')).toContainText('A number from 0 to 100, please.');
  await expect(page.getByTestId('check-ch1-reveal')).toBeDisabled();

  const ch1 = await guessAndReveal(page, 'ch1', '30');
  await expect(ch1.getByTestId('check-ch1-answer')).toContainText(
    /^The engine: [\d.]+% of the multiplies \([\d,]+\) have a zero in them\. You guessed 30: off by [\d.]+\.$/,
    {
      timeout: 60_000,
    },
  );
  await expect(page).toHaveURL(/check\.ch1=30/);
  const ch2 = await guessAndReveal(page, 'ch2', '50');
  await expect(ch2.getByTestId('check-ch2-answer')).toContainText(/The engine: [\d.]+% of conv2’s inputs are nonzero — pooling made them denser\./);
  const density = Number(/([\d.]+)%/.exec(await ch2.getByTestId('check-ch2-answer').innerText())![1]);
  expect(density).toBeGreaterThan(50); // what the chapter teaches: pooling makes activations denser
  const ch3 = await guessAndReveal(page, 'ch3', '1');
  await expect(ch3.getByTestId('check-ch3-answer')).toContainText(/The engine: exact ÷ estimate = 0\.9\d\d \([\d,]+ pairs against [\d,]+\)\./);

  // Chapter 4 needs the training cell's two runs: until then it says what to do.
  const ch4 = await guessAndReveal(page, 'ch4', '5');
  await expect(ch4.getByTestId('check-ch4-problem')).toContainText('Run the training cell below twice first');
  if (DATA_INSTALLED) {
    const cell = page.getByTestId('train-cell');
    await cell.getByTestId('train-cell-model').selectOption('tiny');
    await cell.getByTestId('train-cell-steps').selectOption('50');
    for (const prune of ['0', '0.9']) {
      await cell.getByTestId('train-cell-prune').selectOption(prune);
      await cell.getByTestId('train-cell-run').click();
      await expect(cell.getByTestId('train-cell-done')).toBeVisible({ timeout: 90_000 });
      await expect(cell.getByTestId('train-cell-run')).toBeEnabled();
    }
    await ch4.getByTestId('check-ch4-reveal').click();
    await expect(ch4.getByTestId('check-ch4-answer')).toContainText(
      /The engine: -?[\d.]+ points — [\d.]+% dense, [\d.]+% pruned, after 50 steps\. You guessed 5/,
    );
  }

  // Chapter 5 takes the sweep cell's crossover.
  const ch5 = await guessAndReveal(page, 'ch5', '0.25');
  await expect(ch5.getByTestId('check-ch5-problem')).toContainText('Run the sweep below first');
  await page.getByTestId('sweep-grid').selectOption('quick');
  await page.getByTestId('run-sweep').click();
  await expect(page.getByTestId('crossover')).toBeVisible({ timeout: 90_000 });
  await ch5.getByTestId('check-ch5-reveal').click();
  await expect(ch5.getByTestId('check-ch5-answer')).toContainText(
    /The engine: on this device sparse (wins at and below a density product of [\d.]+|did not win anywhere on the grid)\./,
  );

  const ch6 = await guessAndReveal(page, 'ch6', '15');
  await expect(ch6.getByTestId('check-ch6-answer')).toContainText(/The engine: [\d.]+% is left — 2\.18 MB, [\d.]+ kB gzipped\. You guessed 15/, {
    timeout: 60_000,
  });
  const ch7 = await guessAndReveal(page, 'ch7', 'unstructured');
  await expect(ch7.getByTestId('check-ch7-answer')).toContainText(
    /The engine: anywhere \(unstructured\) keeps the most, [\d.]+% of Σw²\. You chose anywhere \(unstructured\): right\./,
    { timeout: 60_000 },
  );
  await page.screenshot({ path: 'test-results/screenshots/notebook-checks.png', fullPage: true });

  // A link keeps the guesses (the answers wait for a reveal).
  const url = page.url();
  expect(url).toMatch(/check\.ch7=unstructured/);
  await page.goto(url);
  await expect(page.getByTestId('check-ch1-guess')).toHaveValue('30');
  await expect(page.getByTestId('check-ch7-guess')).toHaveValue('unstructured');
  await expect(page.getByTestId('check-ch1-answer')).toHaveCount(0);
});

test('the self-checks in Chinese', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/?lang=zh-CN');
  await expect(page.getByTestId('check-ch1')).toContainText('自测：先预测，再揭晓');
  const ch1 = await guessAndReveal(page, 'ch1', '30');
  await expect(ch1.getByTestId('check-ch1-answer')).toContainText(/^引擎的结果：[\d.]+% 的乘法（[\d,]+ 次）带着零。 你猜的是 30：相差 [\d.]+。$/, {
    timeout: 60_000,
  });
  const ch3 = await guessAndReveal(page, 'ch3', '1');
  await expect(ch3.getByTestId('check-ch3-answer')).toContainText(/引擎的结果：精确 ÷ 估计 = 0\.9\d\d/);
  const ch4 = await guessAndReveal(page, 'ch4', '5');
  await expect(ch4.getByTestId('check-ch4-problem')).toContainText('请先把下面的训练单元运行两次');
  const ch5 = await guessAndReveal(page, 'ch5', '0.25');
  await expect(ch5.getByTestId('check-ch5-problem')).toContainText('请先运行下面的扫描');
  const ch6 = await guessAndReveal(page, 'ch6', '15');
  await expect(ch6.getByTestId('check-ch6-answer')).toContainText(/引擎的结果：还剩 [\d.]+%——2\.18 MB，gzip 后 [\d.]+ kB。/, { timeout: 60_000 });
  const ch7 = await guessAndReveal(page, 'ch7', 'channel');
  await expect(ch7.getByTestId('check-ch7-answer')).toContainText(
    /引擎的结果：“任意位置（非结构化）”保留得最多，占 Σw² 的 [\d.]+%。 你选的是“整个卷积核”：这次没猜中。/,
    {
      timeout: 60_000,
    },
  );
  const ch2 = await guessAndReveal(page, 'ch2', '50');
  await expect(ch2.getByTestId('check-ch2-answer')).toContainText('池化让它们变得更稠密了');
  expect(await englishLeftovers(page)).toEqual([]);
});
