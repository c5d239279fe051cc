/**
 * npm run train -- --preset tiny|seed --epochs N --batch N --lr X --train-limit N --test-limit N
 *                  --data PATH --seed N [--optimizer adam|sgd] [--momentum X] [--weight-decay X] [--no-augment] [--json]
 *                  [--prune-to S --prune-start E --prune-end E [--prune-layers conv2,fc1] [--prune-scope layer|global]]
 *                  [--policy dense|sparse|auto [--crossover D]] [--workers N] [--backend wasm|js]
 *
 * Trains on CIFAR-10 in Node with the same engine the browser runs: on WebAssembly SIMD (wasm, the default),
 * or in TypeScript (js, the readable reference).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { takeImages } from '../engine/data/cifar10';
import { isPresetName, PRESETS } from '../engine/model/spec';
import { OptimizerConfig } from '../engine/optim/optimizer';
import { PruningConfig, TrainEvent, Trainer } from '../engine/train/trainer';
import { INSTALL_DIR, isInstalled, loadCifar10 } from './lib/cifar10Files';
import { loadCrossover } from './lib/crossover';
import { nodeGradientPool } from './lib/nodeGradientPool';
import { createWasmBackend } from './lib/wasmKernels';
import { ProgressBar } from './lib/progressBar';
import { DEFAULT_CROSSOVER } from '../engine/model/kernelChoice';
import { defaultWorkerCount } from '../engine/parallel/workerCount';

const USAGE = `usage: npm run train -- [--preset tiny|seed] [--epochs N] [--batch N] [--lr X] [--optimizer adam|sgd]
       [--momentum X] [--weight-decay X] [--train-limit N] [--test-limit N] [--data PATH] [--seed N] [--no-augment] [--json]
       [--prune-to S --prune-start E --prune-end E [--prune-layers conv2,fc1] [--prune-scope layer|global]]
       [--policy dense|sparse|auto [--crossover D]] [--workers N] [--backend wasm|js]`;

function fail(message: string): never {
  process.stderr.write(`train: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function number(name: string, text: string | undefined, fallback: number, integer = false): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) fail(`--${name} must be ${integer ? 'a whole number' : 'a number'}, got "${text}"`);
  return v;
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        preset: { type: 'string', default: 'tiny' },
        epochs: { type: 'string' },
        batch: { type: 'string' },
        lr: { type: 'string' },
        optimizer: { type: 'string', default: 'adam' },
        momentum: { type: 'string' },
        'weight-decay': { type: 'string' },
        'train-limit': { type: 'string' },
        'test-limit': { type: 'string' },
        data: { type: 'string' },
        seed: { type: 'string' },
        'no-augment': { type: 'boolean', default: false },
        'prune-to': { type: 'string' },
        'prune-start': { type: 'string' },
        'prune-end': { type: 'string' },
        'prune-layers': { type: 'string' },
        'prune-scope': { type: 'string' },
        backend: { type: 'string', default: 'wasm' },
        policy: { type: 'string', default: 'dense' },
        workers: { type: 'string' },
        crossover: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!isPresetName(values.preset!)) fail(`unknown preset "${values.preset}" (choose tiny or seed)`);
  const epochs = number('epochs', values.epochs, 1, true);
  const batchSize = number('batch', values.batch, 32, true);
  const seed = number('seed', values.seed, 1, true);
  const lr = number('lr', values.lr, values.optimizer === 'sgd' ? 0.01 : 0.001);
  const weightDecay = number('weight-decay', values['weight-decay'], 0);
  let optimizer: OptimizerConfig;
  if (values.optimizer === 'adam') optimizer = { type: 'adam', lr, weightDecay };
  else if (values.optimizer === 'sgd') optimizer = { type: 'sgd', lr, momentum: number('momentum', values.momentum, 0.9), weightDecay };
  else fail(`unknown optimizer "${values.optimizer}" (choose adam or sgd)`);
  const trainLimit = values['train-limit'] ? number('train-limit', values['train-limit'], 0, true) : undefined;
  const testLimit = values['test-limit'] ? number('test-limit', values['test-limit'], 0, true) : undefined;

  let pruning: PruningConfig | undefined;
  if (values['prune-to'] !== undefined) {
    const scope = values['prune-scope'] ?? 'layer';
    if (scope !== 'layer' && scope !== 'global') fail(`--prune-scope must be layer or global, got "${scope}"`);
    pruning = {
      finalSparsity: number('prune-to', values['prune-to'], 0),
      startEpoch: number('prune-start', values['prune-start'], 0),
      endEpoch: number('prune-end', values['prune-end'], epochs),
      layers: values['prune-layers']
        ?.split(',')
        .map((l) => l.trim())
        .filter(Boolean),
      scope,
    };
  } else if (values['prune-start'] || values['prune-end'] || values['prune-layers'] || values['prune-scope']) {
    fail('--prune-start, --prune-end, --prune-layers and --prune-scope need --prune-to');
  }

  const backend = values.backend!;
  if (backend !== 'wasm' && backend !== 'js') fail(`--backend must be wasm or js, got "${backend}"`);
  const policy = values.policy!;
  if (policy !== 'dense' && policy !== 'sparse' && policy !== 'auto') fail(`--policy must be dense, sparse or auto, got "${policy}"`);
  let crossover = values.crossover === undefined ? undefined : number('crossover', values.crossover, 0);
  // The weight crossover comes with a measured one (npm run bench), not with --crossover.
  let weightCrossover: number | undefined;
  if (policy === 'auto' && crossover === undefined) {
    crossover = loadCrossover(backend)?.crossover ?? DEFAULT_CROSSOVER;
    weightCrossover = loadCrossover(backend)?.weightCrossover ?? undefined;
    process.stderr.write(
      loadCrossover(backend) === null
        ? `train: no crossover measured on this machine yet (run \`npm run bench\`); --policy auto uses ${crossover}\n`
        : `train: --policy auto uses the crossover npm run bench measured here: ${crossover}\n`,
    );
  }

  const workers = number('workers', values.workers, defaultWorkerCount(os.availableParallelism()), true);
  if (workers < 1 || workers > 64) fail(`--workers must be between 1 and 64, got ${workers}`);

  const dataPath = values.data ?? (isInstalled() ? INSTALL_DIR : undefined);
  if (!dataPath) fail('no CIFAR-10 data: run `npm run data`, or pass --data cifar-10-binary.tar.gz');
  const json = values.json!;
  const log = (text: string) => !json && process.stderr.write(`${text}\n`);

  log(`Loading CIFAR-10 from ${dataPath} …`);
  const trainBatches = trainLimit ? Math.min(5, Math.ceil(trainLimit / 10000)) : 5;
  let data;
  try {
    data = await loadCifar10(dataPath, trainBatches);
  } catch (error) {
    fail((error as Error).message);
  }
  const train = takeImages(data.train, trainLimit);
  const test = takeImages(data.test, testLimit);

  let trainer: Trainer;
  try {
    trainer = new Trainer(
      { spec: PRESETS[values.preset], epochs, batchSize, optimizer, seed, augment: !values['no-augment'], pruning, policy, crossover, weightCrossover },
      train,
      test,
    );
  } catch (error) {
    fail((error as Error).message);
  }
  if (backend === 'wasm') await trainer.moveTo(await createWasmBackend());
  log(
    `Preset ${values.preset} on ${backend === 'wasm' ? 'WebAssembly SIMD' : 'TypeScript'}, ${train.count} training and ${test.count} test images, ${epochs} epoch(s), batch ${batchSize}, ` +
      `${optimizer.type} lr ${lr}, seed ${seed}${workers > 1 ? `, ${workers} worker threads` : ''}`,
  );

  const bar = new ProgressBar('train');
  let smoothLoss = NaN;
  let sparsityNote = '';
  const onEvent = (event: TrainEvent) => {
    if (json) {
      // One object per line; steps are many, so they are reported every 10 steps.
      if (event.event !== 'step' || event.step % 10 === 0) process.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    if (event.event === 'step') {
      smoothLoss = Number.isNaN(smoothLoss) ? event.loss : 0.98 * smoothLoss + 0.02 * event.loss;
      if (event.step % 5 === 0)
        bar.update(event.progress, `epoch ${event.epoch + 1}/${epochs}  loss ${smoothLoss.toFixed(3)}  ${event.imagesPerSec.toFixed(0)} img/s${sparsityNote}`);
    } else if (event.event === 'prune') {
      sparsityNote = `  sparsity ${(100 * event.targetSparsity).toFixed(0)}%`;
    } else if (event.event === 'epoch') {
      bar.done(
        `epoch ${event.epoch + 1}: train loss ${event.trainLoss.toFixed(4)}, train accuracy ${(100 * event.trainAccuracy).toFixed(1)}%, ` +
          `test accuracy ${(100 * event.testAccuracy).toFixed(2)}%, ${event.seconds.toFixed(1)} s`,
      );
    } else if (event.event === 'done') {
      const sparsity = trainer.prunedSparsity();
      if (Object.keys(sparsity).length) {
        log(
          `Weight sparsity: ${Object.entries(sparsity)
            .map(([layer, s]) => `${layer} ${(100 * s).toFixed(1)}%`)
            .join(', ')}`,
        );
      }
      log(
        `Done: test accuracy ${(100 * event.testAccuracy).toFixed(2)}% on ${test.count} images; ` +
          `${event.trainImagesPerSec.toFixed(1)} training images/s; ${event.seconds.toFixed(1)} s in all.`,
      );
    }
  };
  // Data parallel over `workers` threads: this one and workers − 1 worker threads each compute a shard's
  // gradients (each on its own wasm instance, or in TypeScript); the update stays on this thread.
  const pool =
    workers > 1
      ? nodeGradientPool(workers - 1, PRESETS[values.preset], { policy, crossover, weightCrossover, backend: backend === 'wasm' ? 'wasm' : 'cpu' })
      : undefined;
  try {
    await trainer.run(onEvent, pool);
  } finally {
    await pool?.close();
  }
}

main().catch((error) => {
  process.stderr.write(`train: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
