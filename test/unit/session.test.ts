import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIFAR10_DIR } from '../../engine/data/cifar10';
import { TrainingSession } from '../../engine/train/session';
import { TrainEvent } from '../../engine/train/trainer';
import { nodeEvaluator, nodeGradientPool } from '../../scripts/lib/nodeGradientPool';
import { createWasmBackend } from '../../scripts/lib/wasmKernels';
import { installFromArchive } from '../../scripts/lib/cifar10Files';
import { createStaticServer, listen } from '../../scripts/lib/staticServer';
import { syntheticCifarArchive as archive } from './helpers';

const config = {
  preset: 'tiny' as const,
  batchSize: 8,
  learningRate: 0.001,
  optimizer: 'adam' as const,
  augment: false,
  seed: 1,
  epochs: 2,
  evalImages: 10,
  evalEverySteps: 2,
  trainImages: 24,
  workers: 1,
  backend: 'cpu' as const,
};

describe('the worker’s training session', () => {
  it('loads a dropped archive, trains, groups events and predicts', async () => {
    const session = new TrainingSession();
    const progress: number[] = [];
    const summary = await session.loadArchive(Object.assign(archive(20), { name: 'c.tar.gz' }), 1, (p) => progress.push(p.fraction));
    expect(summary).toMatchObject({ trainImages: 20, testImages: 20, source: 'c.tar.gz' });
    expect(progress.at(-1)).toBe(1);

    const groups: TrainEvent[][] = [];
    const done = await session.train(config, (events) => groups.push(events));
    const events = groups.flat();
    expect(events[0].event).toBe('start');
    expect(events.filter((e) => e.event === 'step')).toHaveLength(6); // 20 images, batch 8 → 3 steps × 2 epochs
    expect(events.filter((e) => e.event === 'epoch')).toHaveLength(2);
    expect(events.at(-1)).toEqual(done);
    expect(done).toMatchObject({ epochs: 2, steps: 6, stopped: false });

    const samples = (await session.samplePredictions(4))!;
    expect(samples.labels).toHaveLength(4);
    expect(samples.images).toHaveLength(4 * 3072);
    expect(samples.probs).toHaveLength(40);
    for (let i = 0; i < 4; i++) {
      const row = samples.probs.subarray(i * 10, i * 10 + 10);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(row[samples.predicted[i]]).toBe(Math.max(...row));
    }
  });

  it('trains on several gradient workers when given a way to start them, and closes them after the run', async () => {
    let closed = 0;
    const session = new TrainingSession({
      createPool: (size, spec) => {
        const pool = nodeGradientPool(size, spec);
        const close = pool.close.bind(pool);
        pool.close = () => close().then(() => void closed++);
        return pool;
      },
    });
    await session.loadArchive(archive(20), 1, () => {});
    const losses = async (workers: number) => {
      const events: TrainEvent[] = [];
      await session.train({ ...config, workers }, (group) => events.push(...group));
      return { start: events[0], losses: events.flatMap((e) => (e.event === 'step' ? [e.loss] : [])) };
    };
    const one = await losses(1);
    const two = await losses(2);
    expect(one.start).toMatchObject({ workers: 1, sharedMemory: false });
    expect(two.start).toMatchObject({ workers: 2, sharedMemory: true });
    expect(two.losses).toHaveLength(6);
    two.losses.forEach((loss, i) => expect(Math.abs(loss - one.losses[i])).toBeLessThan(1e-5));
    expect(closed).toBe(1);
    await expect(session.train({ ...config, workers: 0 }, () => {})).rejects.toThrow('workers must be a whole number from 1 to 8, got 0');
  });

  it('a pruned run’s gradient workers choose kernels by density (policy auto, the crossover measured for its backend), a dense run’s stay dense', async () => {
    const asked: unknown[] = [];
    const measuredFor: string[] = [];
    const session = new TrainingSession({
      crossovers: {
        crossoverFor: async (backend) => {
          measuredFor.push(backend.name);
          return { crossover: 0.3 };
        },
      },
      createPool: (size, spec, kernels) => {
        asked.push(kernels);
        return nodeGradientPool(size, spec, kernels);
      },
    });
    await session.loadArchive(archive(20), 1, () => {});
    await session.train({ ...config, epochs: 1, workers: 2, pruning: { to: 0.9, startEpoch: 0, endEpoch: 0.5, layers: ['conv2'] } }, () => {});
    await session.train({ ...config, epochs: 1, workers: 2 }, () => {});
    expect(asked).toEqual([
      { policy: 'auto', crossover: 0.3, backend: 'cpu' },
      { policy: undefined, crossover: undefined, backend: 'cpu' },
    ]);
    expect(measuredFor).toEqual(['cpu']); // only the pruned run needed one
  });

  it('trains on WebAssembly SIMD, its gradient workers each on their own instance, as it trains in TypeScript', async () => {
    const asked: unknown[] = [];
    const session = new TrainingSession({
      createWasm: createWasmBackend,
      createPool: (size, spec, options) => {
        asked.push(options?.backend);
        return nodeGradientPool(size, spec, options);
      },
    });
    expect(await session.wasmStatus()).toEqual({ available: true });
    await session.loadArchive(archive(20), 1, () => {});
    const run = async (backend: 'cpu' | 'wasm', workers: number) => {
      const events: TrainEvent[] = [];
      await session.train({ ...config, backend, workers }, (group) => events.push(...group));
      return { start: events[0], losses: events.flatMap((e) => (e.event === 'step' ? [e.loss] : [])) };
    };
    const typescript = await run('cpu', 1);
    const wasm = await run('wasm', 1);
    const wasmWorkers = await run('wasm', 2);
    expect(wasm.start).toMatchObject({ backend: 'wasm', workers: 1 });
    expect(wasmWorkers.start).toMatchObject({ backend: 'wasm', workers: 2 });
    expect(asked).toEqual(['wasm']);
    for (const other of [wasm, wasmWorkers]) {
      expect(other.losses).toHaveLength(typescript.losses.length);
      other.losses.forEach((loss, i) => expect(Math.abs(loss - typescript.losses[i])).toBeLessThan(1e-4));
    }
  });

  it('says why WebAssembly SIMD cannot run and trains in TypeScript instead', async () => {
    const session = new TrainingSession({ createWasm: () => Promise.reject(new Error('no SIMD in this test')) });
    expect(await session.wasmStatus()).toEqual({ available: false, reason: 'no SIMD in this test' });
    await session.loadArchive(archive(10), 1, () => {});
    const events: TrainEvent[] = [];
    await session.train({ ...config, backend: 'wasm', epochs: 1 }, (group) => events.push(...group));
    expect(events.find((e) => e.event === 'backend')).toMatchObject({ backend: 'cpu', from: 'wasm', reason: 'no SIMD in this test' });
    expect(events.find((e) => e.event === 'start')).toMatchObject({ backend: 'cpu' });
    expect(events.some((e) => e.event === 'step')).toBe(true);
  });

  it('reports Ω after every layer for a test image', async () => {
    const session = new TrainingSession();
    await session.loadArchive(archive(10), 1, () => {});
    expect(await session.activationOmegas(0)).toBeNull(); // no model yet
    await session.train({ ...config, epochs: 1 }, () => {});
    const layers = (await session.activationOmegas(3))!;
    expect(layers.map((l) => l.layer)).toEqual(['conv1', 'relu1', 'pool1', 'conv2', 'relu2', 'pool2', 'flatten1', 'fc1']);
    expect(layers[0].shape).toEqual([8, 32, 32]);
    expect(layers[6].shape).toEqual([1024]);
    for (const l of layers) {
      const count = l.perChannel.reduce((s, list) => s + list.length, 0);
      expect(count).toBe(l.nonzeros);
      expect(l.elementDensity).toBeCloseTo(l.nonzeros / l.shape.reduce((a, b) => a * b, 1), 10);
    }
    // ReLU zeroes part of its input; pooling keeps each window's max, so it is denser than its input.
    expect(layers[1].elementDensity).toBeLessThan(1);
    expect(layers[2].elementDensity).toBeGreaterThanOrEqual(layers[1].elementDensity);
    await expect(session.activationOmegas(99)).rejects.toThrow('test image 99 does not exist (there are 10)');
  });

  it('keeps the loaded data when a bad file is offered', async () => {
    const session = new TrainingSession();
    await session.loadArchive(archive(5), 1, () => {});
    await expect(session.loadArchive(new Blob([new Uint8Array([1, 2, 3])]), 1, () => {})).rejects.toThrow(/not a tar archive/);
    expect(session.summary().trainImages).toBe(5);
  });

  it('rejects NaN hyperparameters with a message naming them', async () => {
    const session = new TrainingSession();
    await session.loadArchive(archive(5), 1, () => {});
    await expect(session.train({ ...config, learningRate: NaN }, () => {})).rejects.toThrow(/learning rate must be a finite number/);
    await expect(session.train({ ...config, batchSize: 0 }, () => {})).rejects.toThrow(/batch size must be a whole number/);
  });

  it('evaluates a test set larger than the quick share in an evaluation worker, while training goes on', async () => {
    let started = 0;
    let closed = 0;
    const session = new TrainingSession({
      createEvaluator: (spec, backend, set) => {
        started++;
        const evaluator = nodeEvaluator(spec, backend, set);
        const close = evaluator.close.bind(evaluator);
        evaluator.close = () => close().then(() => void closed++);
        return evaluator;
      },
    });
    await session.loadArchive(Object.assign(archive(800), { name: 'c.tar.gz' }), 1, () => {});
    const events: TrainEvent[] = [];
    const done = await session.train({ ...config, trainImages: 64, evalImages: 800, epochs: 2, evalEverySteps: 4 }, (group) => events.push(...group));
    expect(started).toBe(1);
    expect(closed).toBe(1);
    const evals = events.flatMap((e) => (e.event === 'eval' ? [e] : []));
    // The quick evaluations on the first 500 during the epochs; all 800 at each epoch's end.
    expect(evals.filter((e) => e.images === 500).map((e) => e.step)).toEqual([4, 12]);
    const full = evals.filter((e) => e.images === 800);
    expect(full.map((e) => e.step)).toEqual([8, 16]);
    const epochs = events.flatMap((e) => (e.event === 'epoch' ? [e] : []));
    expect(epochs.map((e) => [e.step, e.testAccuracy])).toEqual(full.map((e) => [e.step, e.testAccuracy]));
    expect(done.testAccuracy).toBe(full[1].testAccuracy);
    // Training did not wait for the first epoch's evaluation: steps of the next epoch came before it.
    const firstFull = events.findIndex((e) => e.event === 'eval' && e.images === 800);
    expect(events.findIndex((e) => e.event === 'step' && e.step === 9)).toBeLessThan(firstFull);
    // The confusion matrix is the latest evaluation's, over all 800 images: its diagonal is its accuracy.
    const confusion = (await session.confusionMatrix())!;
    expect(confusion.images).toBe(800);
    expect(confusion.counts.reduce((a, b) => a + b, 0)).toBe(800);
    const hits = Array.from({ length: 10 }, (_, k) => confusion.counts[k * 10 + k]).reduce((a, b) => a + b, 0);
    expect(hits / 800).toBeCloseTo(full[1].testAccuracy, 10);
  });

  it('evaluates here when the evaluation worker fails, and loses no epoch', async () => {
    const session = new TrainingSession({
      createEvaluator: () => ({ evaluate: () => Promise.reject(new Error('the worker could not start')), close: async () => {} }),
    });
    await session.loadArchive(Object.assign(archive(600), { name: 'c.tar.gz' }), 1, () => {});
    const events: TrainEvent[] = [];
    const done = await session.train({ ...config, trainImages: 32, evalImages: 600, epochs: 3, evalEverySteps: 0 }, (group) => events.push(...group));
    const epochs = events.flatMap((e) => (e.event === 'epoch' ? [e] : []));
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    for (const e of epochs) expect(e.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(events.filter((e) => e.event === 'eval').every((e) => e.event === 'eval' && e.images === 600)).toBe(true);
    expect(done.testAccuracy).toBe(epochs[2].testAccuracy);
  });

  it('loads more training images from the archive it opened, keeping the data in use until they are read', async () => {
    const session = new TrainingSession();
    await session.loadArchive(Object.assign(archive(30), { name: 'c.tar.gz' }), 1, () => {});
    const progress: number[] = [];
    expect(await session.loadTrainImages('http://localhost', 20, (p) => progress.push(p.fraction))).toMatchObject({ trainImages: 30 });
    expect(progress).toEqual([]); // enough already: nothing read
    expect(await session.loadTrainImages('http://localhost', 50_000, (p) => progress.push(p.fraction))).toMatchObject({ trainImages: 150, testImages: 30 });
    expect(progress.at(-1)).toBe(1);
  });

  it('downloads the installed test images once for every caller that asks while they load, each hearing the progress', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'installed-'));
    await installFromArchive(new Uint8Array(await archive(30).arrayBuffer()), 'c.tar.gz', path.join(root, 'data', CIFAR10_DIR));
    const server = createStaticServer(root); // serves what is there now
    try {
      const requests: string[] = [];
      server.on('request', (req) => requests.push(req.url!));
      await listen(server, 0);
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      const session = new TrainingSession();
      const heard = [[], [], []] as number[][];
      // The notebook's cells ask at once, before anything has arrived.
      const counts = await Promise.all(heard.map((fractions) => session.loadTestImages(origin, (p) => fractions.push(p.fraction))));
      expect(counts).toEqual([30, 30, 30]);
      expect(requests.filter((url) => url.endsWith('test_batch.bin'))).toHaveLength(1);
      expect(requests.filter((url) => url.endsWith('manifest.json'))).toHaveLength(1);
      for (const fractions of heard) expect(fractions.at(-1)).toBe(1);
      // Loaded: a later caller gets the images without a request.
      expect(await session.loadTestImages(origin, () => {})).toBe(30);
      expect(requests.filter((url) => url.endsWith('test_batch.bin'))).toHaveLength(1);
    } finally {
      server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
