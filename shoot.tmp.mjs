import { chromium } from '@playwright/test';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new','--no-sandbox','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run','--enable-unsafe-webgpu'] });
const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
await page.goto('http://localhost:3200/train/');
await page.getByTestId('start').waitFor({ timeout: 60000 });
await page.getByTestId('compare').selectOption('compare');
await page.getByTestId('preset').selectOption('seed');
await page.getByTestId('prune-start').fill('0');
await page.getByTestId('prune-end').fill('0.2');
await page.getByTestId('start').click();
await page.waitForTimeout(Number(process.env.WAIT ?? 90000));
await page.getByTestId('pause').click();
await page.waitForTimeout(1000);
await page.getByTestId('comparison').screenshot({ path: '/tmp/shots/comparison.png' });
const runs = page.locator('.runs');
const box = await runs.boundingBox();
for (let i = 0; i < 4; i++) {
  await page.screenshot({ path: `/tmp/shots/runs${i}.png`, fullPage: true, clip: { x: box.x, y: box.y + i * 1100, width: box.width, height: 1100 } });
}
await browser.close();
