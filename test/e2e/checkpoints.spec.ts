/**
 * Nothing lost: a run is saved in the browser as it trains and comes back after a reload; checkpoint files
 * round-trip through export and import, and broken ones are refused; the exported ONNX model computes what
 * the engine computes (checked here with ONNX Runtime on 100 test images).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, Page, test } from '@playwright/test';
import * as ort from 'onnxruntime-web';
import { makeBatch } from '../../engine/data/batch';
import { CIFAR10_DIR, ImageSet, parseCifar10Batch, readCifar10Archive, takeImages, TEST_BATCH_FILE } from '../../engine/data/cifar10';
import { Model } from '../../engine/model/model';
import { decodeCheckpoint } from '../../engine/train/checkpoint';
import { resolveSpec, SessionTrainConfig } from '../../engine/train/session';
import { DATA_INSTALLED, learnableCifarArchive, openTrainingPage, trainThenPause, watchErrors } from './fixtures';

async function downloadBytes(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), bytes: readFileSync(file) };
}

const lossPoints = async (page: Page) => Number((await page.getByTestId('loss-chart').getAttribute('data-points'))!.split(',')[0]);

test('train → pause → reload → the run is back at its step, with its charts, and resumes', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await openTrainingPage(page);
  const pausedAt = await trainThenPause(page, 8);
  await expect(page.getByTestId('saved-step')).toHaveText(`step ${pausedAt}`);
  await openTrainingPage(page, { expectSavedRun: true }); // a reload (without installed data, the stand-in is picked again)
  await expect(page.getByTestId('notice')).toContainText(`restored from`);
  await expect(page.getByTestId('notice')).toContainText(`at step ${pausedAt}`);
  await expect(page.getByTestId('step')).toHaveText(String(pausedAt));
  await expect(page.getByTestId('phase')).toHaveText('paused');
  expect(await lossPoints(page)).toBe(pausedAt); // the chart history came back with the weights
  await page.getByTestId('resume').click();
  await expect.poll(async () => Number(await page.getByTestId('step').innerText()), { timeout: 60_000 }).toBeGreaterThan(pausedAt + 2);
  // The resumed steps continue the series: no gap, no repeat.
  await page.getByTestId('pause').click();
  await page.waitForTimeout(300);
  expect(await lossPoints(page)).toBe(Number(await page.getByTestId('step').innerText()));
  await page.getByTestId('reset').click();
  await expect(page.getByTestId('start')).toBeVisible();
  await openTrainingPage(page);
  await expect(page.getByTestId('step')).toHaveText('0'); // reset forgets the saved copy too
  expect(errors.filter((e) => DATA_INSTALLED || !e.includes('404'))).toEqual([]);
});

test('export → import round trip; a damaged or foreign file is refused and changes nothing', async ({ page }) => {
  test.setTimeout(180_000);
  await openTrainingPage(page);
  const pausedAt = await trainThenPause(page, 5);
  const file = await downloadBytes(page, 'export-checkpoint');
  expect(file.name).toBe(`sparse-cnn-lab-tiny-step${pausedAt}.scnn`);
  expect(decodeCheckpoint(new Uint8Array(file.bytes)).state.step).toBe(pausedAt);

  await page.getByTestId('reset').click();
  await expect(page.getByTestId('step')).toHaveText('0');
  const input = page.getByTestId('import-checkpoint');
  await input.setInputFiles({ name: 'cut.scnn', mimeType: 'application/octet-stream', buffer: file.bytes.subarray(0, file.bytes.length >> 1) });
  await expect(page.getByTestId('notice')).toContainText(
    'cut.scnn is damaged: its checksum does not match its contents (the file was cut short or changed). Nothing was changed.',
  );
  await input.setInputFiles({ name: '<b>photo</b>.png', mimeType: 'image/png', buffer: Buffer.from('\x89PNG\r\n\x1a\n not a checkpoint') });
  await expect(page.getByTestId('notice')).toContainText('<b>photo</b>.png is not a Sparse CNN Lab checkpoint');
  await expect(page.getByTestId('step')).toHaveText('0');

  await input.setInputFiles({ name: file.name, mimeType: 'application/octet-stream', buffer: file.bytes });
  await expect(page.getByTestId('notice')).toContainText(`Opened ${file.name}: step ${pausedAt}`);
  await expect(page.getByTestId('step')).toHaveText(String(pausedAt));
  expect(await lossPoints(page)).toBe(pausedAt);
  // Exported again right away, it is the same run: same weights, same optimizer state, same step.
  const again = await downloadBytes(page, 'export-checkpoint');
  const [first, second] = [file.bytes, again.bytes].map((b) => decodeCheckpoint(new Uint8Array(b)).state);
  expect(second.step).toBe(first.step);
  expect(second.weights).toEqual(first.weights);
  expect(second.optimizer).toEqual(first.optimizer);
  await page.getByTestId('resume').click();
  await expect.poll(async () => Number(await page.getByTestId('step').innerText()), { timeout: 60_000 }).toBeGreaterThan(pausedAt);
  await page.getByTestId('reset').click();
});

/** The test images the page evaluates on: the installed test batch, or the stand-in's. */
async function pageTestImages(): Promise<ImageSet> {
  if (DATA_INSTALLED) {
    const bytes = readFileSync(path.join(__dirname, '..', '..', 'out', 'data', CIFAR10_DIR, TEST_BATCH_FILE));
    return parseCifar10Batch(new Uint8Array(bytes), TEST_BATCH_FILE);
  }
  return (await readCifar10Archive(new Uint8Array(learnableCifarArchive()), 'stand-in.tar.gz', 1)).test;
}

test('the exported ONNX model equals the engine within 1e-4 on 100 test images (ONNX Runtime)', async ({ page }) => {
  test.setTimeout(180_000);
  await openTrainingPage(page);
  await page.getByTestId('prune-to').selectOption('0.9');
  await page.getByTestId('prune-start').fill('0');
  await page.getByTestId('prune-end').fill('0.05');
  await trainThenPause(page, 20);
  const onnx = await downloadBytes(page, 'export-onnx');
  expect(onnx.name).toMatch(/^sparse-cnn-lab-tiny-step\d+\.onnx$/);
  const checkpoint = decodeCheckpoint<SessionTrainConfig>(new Uint8Array((await downloadBytes(page, 'export-checkpoint')).bytes));

  // The engine's logits, from the page's own weights.
  const model = new Model(resolveSpec(checkpoint.config), 0);
  model.setWeights(checkpoint.state.weights);
  expect(checkpoint.state.masks?.get('conv2.weight')?.reduce((n, m) => n + (m === 0 ? 1 : 0), 0)).toBeGreaterThan(0); // pruned
  const set = takeImages(await pageTestImages(), 100);
  const ours = await model.logits(
    makeBatch(
      set,
      Array.from({ length: 100 }, (_, i) => i),
    ).x,
  );

  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(new Uint8Array(onnx.bytes));
  const out = await session.run({ image: new ort.Tensor('float32', Float32Array.from(set.images), [100, 3, 32, 32]) });
  const theirs = out.logits.data as Float32Array;
  expect(theirs.length).toBe(ours.length);
  let maxDiff = 0;
  for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(theirs[i] - ours[i]));
  expect(maxDiff).toBeLessThan(1e-4);
  await session.release();
  await page.getByTestId('reset').click();
});
