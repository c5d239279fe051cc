import { chromium } from '@playwright/test';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const fn = `(() => {
    const english = (text) => text.split(/[\\u2e80-\\uffff\\n]+/).some((part) => (part.replace(/\\w+(?:\\.\\w+)+/g, '').match(/[A-Za-z]{2,}/g) ?? []).length >= 4);
    const SKIP = 'code, pre, textarea, .katex, script, style';
    const found = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      const text = node.textContent?.trim() ?? '';
      if (el && text && !el.closest(SKIP) && english(text)) found.add(text);
    }
    for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
      if (el.closest(SKIP)) continue;
      for (const name of ['title', 'aria-label', 'placeholder']) {
        const text = el.getAttribute(name) ?? '';
        if (english(text)) found.add(name + '="' + text + '"');
      }
    }
    return [...found];
  })()`;
const report = async (label) => { console.log('==', label); for (const t of await page.evaluate(fn)) console.log('  ', t.slice(0, 200)); };
const B = 'http://localhost:3200';
await page.goto(B + '/?lang=zh-CN');
await page.getByTestId('scene-image').waitFor({ timeout: 60000 });
await page.getByTestId('step-forward').click();
await page.getByTestId('train-cell').getByTestId('train-cell-steps').selectOption('50');
await page.getByTestId('train-cell').getByTestId('train-cell-run').click();
await page.getByTestId('train-cell-done').waitFor({ timeout: 90000 });
await page.getByTestId('sweep-grid').selectOption('quick');
await page.getByTestId('run-sweep').click();
await page.getByTestId('crossover').waitFor({ timeout: 90000 });
await report('notebook');
await page.goto(B + '/step/?lang=zh-CN');
await page.getByTestId('scene-image').waitFor({ timeout: 60000 });
await page.getByTestId('step-forward').click();
await report('step');
await page.goto(B + '/cost/?lang=zh-CN&cost.model=tiny&cost.batch=1');
await page.getByTestId('measure-layers').click();
await page.getByTestId('amdahl').waitFor({ timeout: 60000 });
await report('cost');
await page.goto(B + '/train/?lang=zh-CN&lab.model=tiny&lab.compare=true');
await page.getByTestId('start').click({ timeout: 60000 });
await page.getByTestId('confusion').first().waitFor({ timeout: 120000 });
await report('train');
await browser.close();
