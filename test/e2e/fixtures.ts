import { existsSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
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
