import { existsSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync, gzipSync } from 'node:zlib';
import { expect, Page } from '@playwright/test';
import { CIFAR10_DIR, RECORD_BYTES, TEST_BATCH_FILE, TRAIN_BATCH_FILES } from '../../engine/data/cifar10';
import { writeTar } from '../../engine/data/tar';
import { Prng } from '../../engine/random/prng';

export const DATA_INSTALLED = existsSync(path.join(__dirname, '..', '..', 'out', 'data', CIFAR10_DIR, 'manifest.json'));

/** A small archive in the official layout (random pixels), for the upload path. */
export function smallCifarArchive(recordsPerBatch = 64): Buffer {
  const rng = new Prng(3);
  const files = [...TRAIN_BATCH_FILES, TEST_BATCH_FILE].map((name) => {
    const data = new Uint8Array(recordsPerBatch * RECORD_BYTES);
    for (let i = 0; i < data.length; i++) data[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
    return { name: `${CIFAR10_DIR}/${name}`, data };
  });
  return gzipSync(writeTar(files));
}

/**
 * An archive in the official layout whose classes can be learned in seconds: each image is its class's colour
 * plus noise. Stands in for CIFAR-10 where it is not installed (a fresh clone).
 */
export function learnableCifarArchive(recordsPerBatch = 600): Buffer {
  const rng = new Prng(5);
  const files = [...TRAIN_BATCH_FILES, TEST_BATCH_FILE].map((name) => {
    const data = new Uint8Array(recordsPerBatch * RECORD_BYTES);
    for (let r = 0; r < recordsPerBatch; r++) {
      const label = rng.int(10);
      const base = r * RECORD_BYTES;
      data[base] = label;
      const colour = [25 * label, 255 - 25 * label, (label % 3) * 100];
      for (let p = 0; p < 3072; p++) data[base + 1 + p] = Math.max(0, Math.min(255, colour[p >> 10] + rng.int(40) - 20));
    }
    return { name: `${CIFAR10_DIR}/${name}`, data };
  });
  return gzipSync(writeTar(files));
}

/**
 * Opens /train ready to train: on the installed CIFAR-10 when `npm run data` ran before the build (as in CI),
 * otherwise on a learnable stand-in given through the page's file picker — so the test runs either way.
 */
export async function openTrainingPage(page: Page, { expectSavedRun = false, path = '/train/' } = {}): Promise<void> {
  if (!DATA_INSTALLED) {
    await page.route('**/data/cifar-10-batches-bin/**', (route) => route.fulfill({ status: 404, body: 'not found' }));
  }
  await page.goto(path);
  if (!DATA_INSTALLED) {
    await page.getByTestId('data-file-input').setInputFiles({ name: 'stand-in.tar.gz', mimeType: 'application/gzip', buffer: learnableCifarArchive() });
  }
  // A run saved in this browser comes back paused: then Resume shows instead of Start.
  await expect(page.getByTestId(expectSavedRun ? 'resume' : 'start')).toBeVisible({ timeout: 60_000 });
}

/** Trains on one thread until at least `minSteps` steps, pauses, and returns the step it paused at. */
export async function trainThenPause(page: Page, minSteps: number): Promise<number> {
  await page.getByTestId('workers').selectOption('1');
  await page.getByTestId('start').click();
  await expect.poll(async () => Number(await page.getByTestId('step').innerText()), { timeout: 60_000 }).toBeGreaterThanOrEqual(minSteps);
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('phase')).toHaveText('paused');
  await page.waitForTimeout(300); // a step in flight finishes
  return Number((await page.getByTestId('step').innerText()).replace(/,/g, ''));
}

/**
 * Opens the Chinese training page in a browser whose number formatting is broken, so that the page fails
 * while it renders and the error page shows instead.
 */
export async function openFailingPage(page: Page): Promise<void> {
  await page.addInitScript(() => {
    Intl.NumberFormat = function brokenNumberFormat() {
      throw new Error('simulated: this browser cannot format numbers');
    } as unknown as typeof Intl.NumberFormat;
  });
  page.on('pageerror', () => undefined);
  await page.goto('/train/?lang=zh-CN');
}

/** Collects console errors and uncaught exceptions of a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** The number after "loss (smoothed): " in the loss chart's legend. */
export async function smoothedLoss(page: Page): Promise<number> {
  const text = await page.getByTestId('loss-chart').locator('.legend').innerText();
  const match = /loss \(smoothed\): ([\d.]+)/.exec(text);
  expect(match, `legend: ${text}`).not.toBeNull();
  return Number(match![1]);
}

/** A valid w×h PNG of one colour (for upload tests). */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  return png(width, height, () => rgb);
}

/** A valid w×h PNG whose pixel (x, y) has the colour `colour(x, y)`. */
export function png(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const rows = Buffer.alloc(height * (1 + 3 * width));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows.set(colour(x, y), y * (1 + 3 * width) + 1 + 3 * x);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Starts recording main-thread long tasks (over 50 ms, PerformanceObserver 'longtask') in the page. */
export async function watchLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
    }).observe({ type: 'longtask' });
  });
}

/** The durations of the long tasks recorded since watchLongTasks (or since they were last cleared). */
export function longTasksSoFar(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
}

/** Opens the cost lab once it is live and measures the tiny model's layers on one image. */
export async function measureTinyLayerCosts(page: Page): Promise<void> {
  await page.goto('/cost/');
  await expect(page.getByTestId('cost-device')).toHaveAttribute('data-ready', 'true'); // live: controls set now stay set
  await page.getByTestId('cost-model').selectOption('tiny');
  await page.getByTestId('cost-batch').selectOption('1');
  await page.getByTestId('measure-layers').click();
  await expect(page.getByTestId('layer-results')).toBeVisible({ timeout: 60_000 });
}

/**
 * Visible text on a Chinese page that still reads as English — four or more English words with no Chinese
 * between them — outside code, formulas, the model editor and dotted identifiers (torch.nn.utils.prune): what
 * a translation missed. Attribute text
 * that people meet (titles, labels, placeholders) counts too.
 */
export function englishLeftovers(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const english = (text: string) =>
      text.split(/[\u2e80-\uffff\n]+/).some((part) => (part.replace(/\w+(?:\.\w+)+/g, '').match(/[A-Za-z]{2,}/g) ?? []).length >= 4);
    const SKIP = 'code, pre, textarea, .katex, script, style';
    const found = new Set<string>();
    const visible = (el: Element) => !!(el as HTMLElement).offsetParent || el.closest('svg') !== null;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      const text = node.textContent?.trim() ?? '';
      if (el && text && !el.closest(SKIP) && visible(el) && english(text)) found.add(text);
    }
    for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
      if (el.closest(SKIP)) continue;
      for (const name of ['title', 'aria-label', 'placeholder']) {
        const text = el.getAttribute(name) ?? '';
        if (english(text)) found.add(`${name}="${text}"`);
      }
    }
    return [...found];
  });
}
