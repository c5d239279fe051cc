import { expect, test } from '@playwright/test';
import { watchErrors } from './fixtures';

test('home page leads to the training lab in one click', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('sparse CNNs');
  await page.screenshot({ path: 'test-results/screenshots/home.png', fullPage: true });
  await page.getByRole('link', { name: 'Train a CNN on CIFAR-10 →' }).click();
  await expect(page).toHaveURL(/\/train\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Train a CNN on CIFAR-10');
  expect(errors).toEqual([]);
});
