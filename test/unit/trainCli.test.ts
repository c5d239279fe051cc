/** `npm run train` end to end on a small archive in the official layout. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR10_DIR, RECORD_BYTES, TEST_BATCH_FILE, TRAIN_BATCH_FILES } from '../../engine/data/cifar10';
import { writeTar } from '../../engine/data/tar';
import { Prng } from '../../engine/random/prng';

const ROOT = path.join(__dirname, '..', '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'train-cli-'));
const tarball = path.join(tmp, 'small.tar.gz');
const rng = new Prng(2);
writeFileSync(
  tarball,
  gzipSync(
    writeTar(
      [...TRAIN_BATCH_FILES, TEST_BATCH_FILE].map((name) => ({
        name: `${CIFAR10_DIR}/${name}`,
        data: Uint8Array.from({ length: 20 * RECORD_BYTES }, (_, i) => (i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256))),
      })),
    ),
  ),
);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function train(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'scripts', 'train.ts'), ...args],
      { cwd: ROOT },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run train', () => {
  it('--json prints one object per line and ends with the done event', async () => {
    const { code, stdout } = await train([
      '--preset',
      'tiny',
      '--epochs',
      '2',
      '--batch',
      '16',
      '--train-limit',
      '20',
      '--test-limit',
      '10',
      '--data',
      tarball,
      '--seed',
      '3',
      '--json',
    ]);
    expect(code).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ event: 'start', backend: 'wasm', trainImages: 20, testImages: 10, stepsPerEpoch: 2 }); // WebAssembly SIMD by default
    expect(events.filter((e) => e.event === 'epoch')).toHaveLength(2);
    const done = events.at(-1);
    expect(Object.keys(done)).toEqual(expect.arrayContaining(['event', 'testAccuracy', 'trainImagesPerSec', 'epochs', 'seconds']));
    expect(done).toMatchObject({ event: 'done', epochs: 2 });
    expect(done.trainImagesPerSec).toBeGreaterThan(0);
  });

  it('without --json, prints a readable summary', async () => {
    const { code, stderr } = await train(['--preset', 'tiny', '--train-limit', '20', '--test-limit', '10', '--data', tarball]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/epoch 1: train loss [\d.]+, train accuracy [\d.]+%, test accuracy [\d.]+%/);
    expect(stderr).toMatch(/Done: test accuracy [\d.]+% on 10 images; [\d.]+ training images\/s/);
  });

  it('prunes gradually with --prune-to and reports the final weight sparsity', async () => {
    const { code, stdout } = await train([
      '--preset',
      'tiny',
      '--epochs',
      '2',
      '--batch',
      '5',
      '--test-limit',
      '10',
      '--data',
      tarball,
      '--json',
      '--prune-to',
      '0.9',
      '--prune-start',
      '0',
      '--prune-end',
      '1',
      '--prune-layers',
      'conv2,fc1',
    ]);
    expect(code).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.filter((e) => e.event === 'prune').at(-1).targetSparsity).toBe(0.9);
    const done = events.at(-1);
    expect(Object.keys(done.weightSparsity)).toEqual(['conv2', 'fc1']);
    expect(done.weightSparsity.conv2).toBeCloseTo(0.9, 3);
    expect(done.weightSparsity.fc1).toBeCloseTo(0.9, 3);
  });

  it('--workers 2 trains data-parallel and follows the one-thread run', async () => {
    const args = ['--preset', 'tiny', '--epochs', '1', '--batch', '10', '--test-limit', '10', '--data', tarball, '--json', '--seed', '4'];
    const one = await train([...args, '--workers', '1']);
    const two = await train([...args, '--workers', '2']);
    expect(two.code).toBe(0);
    const start = (out: string) => JSON.parse(out.split('\n')[0]);
    expect(start(one.stdout)).toMatchObject({ event: 'start', workers: 1, sharedMemory: false });
    expect(start(two.stdout)).toMatchObject({ event: 'start', workers: 2, sharedMemory: true });
    const losses = (out: string) =>
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((e) => e.event === 'epoch')
        .map((e) => e.trainLoss);
    const [a, b] = [losses(one.stdout), losses(two.stdout)];
    expect(b).toHaveLength(1);
    expect(Math.abs(a[0] - b[0])).toBeLessThan(1e-4);
  });

  it('names bad arguments', async () => {
    const lr = await train(['--lr', 'fast', '--data', tarball]);
    expect(lr.code).toBe(2);
    expect(lr.stderr).toContain('train: --lr must be a number, got "fast"');
    const preset = await train(['--preset', 'huge', '--data', tarball]);
    expect(preset.stderr).toContain('unknown preset "huge"');
    const prune = await train(['--prune-layers', 'conv2', '--data', tarball]);
    expect(prune.stderr).toContain('--prune-start, --prune-end, --prune-layers and --prune-scope need --prune-to');
    const layer = await train(['--prune-to', '0.5', '--prune-layers', 'conv9', '--data', tarball]);
    expect(layer.stderr).toContain('cannot prune conv9');
    const data = await train(['--data', path.join(tmp, 'missing.tar.gz')]);
    expect(data.stderr).toContain('missing.tar.gz does not exist');
  });
});
