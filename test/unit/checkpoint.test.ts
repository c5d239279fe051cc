/**
 * Checkpoints: a run saved mid-way and restored continues bit for bit like a run that never stopped
 * (weights, Adam state, pruning masks, data order and random generators all come back); damaged and
 * mismatched files are refused with a message, and nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../../engine/data/errors';
import { IMAGE_BYTES, ImageSet } from '../../engine/data/cifar10';
import { PRESETS } from '../../engine/model/spec';
import { Prng } from '../../engine/random/prng';
import { decodeCheckpoint, encodeCheckpoint } from '../../engine/train/checkpoint';
import { CheckpointStore, RunId, TrainingSession } from '../../engine/train/session';
import { CheckpointMismatchError, TrainConfig, Trainer, TrainEvent } from '../../engine/train/trainer';
import { sessionConfig, syntheticCifarArchive } from './helpers';

function images(count: number, seed: number): ImageSet {
  const rng = new Prng(seed);
  return { count, images: Uint8Array.from({ length: count * IMAGE_BYTES }, () => rng.int(256)), labels: Uint8Array.from({ length: count }, () => rng.int(10)) };
}

const trainSet = images(40, 1);
const testSet = images(10, 2);
const config: TrainConfig = {
  spec: PRESETS.tiny,
  epochs: 3,
  batchSize: 8,
  optimizer: { type: 'adam', lr: 0.002 },
  seed: 5,
  augment: true,
  pruning: { finalSparsity: 0.8, startEpoch: 0.4, endEpoch: 1.6, layers: ['conv2', 'fc1'], updates: 4 },
  policy: 'auto',
};

async function savedAt(step: number) {
  const trainer = new Trainer(config, trainSet, testSet);
  for (let i = 0; i < step; i++) await trainer.trainStep();
  const bytes = encodeCheckpoint({ savedAt: 'now', config: sessionConfig, state: await trainer.checkpointNow(), history: [] });
  return { trainer, bytes };
}

describe('checkpoint files', () => {
  it('a history saved before step events had per-layer costs opens with an empty record there; a malformed one is dropped', async () => {
    const { trainer } = await savedAt(1);
    const step = { event: 'step', epoch: 0, step: 1, loss: 2.3, batchAccuracy: 0.1, imagesPerSec: 50, progress: 0.1 };
    const old = { ...step, cost: { denseMacs: 10, idealMacs: 4, executedMacs: 10, kernels: { conv1: 'dense' } } };
    const now = { ...step, step: 2, cost: { ...old.cost, layers: { fc1: { denseMacs: 8, idealMacs: 3, executedMacs: 1, kernel: 'sparse' } } } };
    const broken = { ...step, step: 3, cost: { ...old.cost, layers: { fc1: { denseMacs: 8, idealMacs: 3, executedMacs: 1, kernel: 'fast' } } } };
    const bytes = encodeCheckpoint({
      savedAt: 'now',
      config: sessionConfig,
      state: await trainer.checkpointNow(),
      history: [old, now, broken] as unknown as TrainEvent[],
    });
    const costs = decodeCheckpoint(bytes, 'run.scnn').history.map((e) => (e.event === 'step' ? e.cost.layers : null));
    expect(costs).toEqual([{}, now.cost.layers]);
  });

  it('rolling back to before pruning takes the masks away: the run goes on as one that never pruned yet', async () => {
    const straight = new Trainer({ ...config, policy: 'sparse' }, trainSet, testSet);
    const expected: number[] = [];
    for (let i = 0; i < 6; i++) expected.push((await straight.trainStep()).loss);
    const rolled = new Trainer({ ...config, policy: 'sparse' }, trainSet, testSet);
    await rolled.checkpointNow(); // step 0: no masks yet
    for (let i = 0; i < 6; i++) await rolled.trainStep(); // pruning starts at step 2 (epoch 0.4 of 5 steps)
    expect(rolled.model.installedMasks().masks.size).toBe(2);
    expect(await rolled.rollback()).toBe(0);
    expect(rolled.model.installedMasks().masks.size).toBe(0);
    // Every weight is kept again, by the kernels too: the same losses as the run that never stopped.
    for (const layer of rolled.model.weightedLayers()) expect(layer.pattern.nonzeros, layer.name).toBe(layer.weight.value.size);
    const again: number[] = [];
    for (let i = 0; i < 6; i++) again.push((await rolled.trainStep()).loss);
    expect(again).toEqual(expected);
  });

  it('a restored run continues exactly like one that never stopped (Adam, augmentation, pruning)', async () => {
    const straight = new Trainer(config, trainSet, testSet);
    const expected: number[] = [];
    for (let i = 0; i < 15; i++) expected.push((await straight.trainStep()).loss);

    const { bytes } = await savedAt(7); // mid-epoch and mid-schedule: masks already set
    const checkpoint = decodeCheckpoint(bytes, 'run.scnn');
    expect(checkpoint.config).toEqual(sessionConfig);
    expect(checkpoint.state.masks?.size).toBe(2);
    const resumed = new Trainer(config, trainSet, testSet);
    resumed.restoreState(checkpoint.state);
    expect(resumed.currentStep).toBe(7);
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) losses.push((await resumed.trainStep()).loss);
    expect(losses).toEqual(expected.slice(7));
    expect(resumed.model.weights()).toEqual(straight.model.weights());
  });

  it('refuses files that are not checkpoints, cut short or changed, naming the file', async () => {
    const { bytes } = await savedAt(2);
    expect(() => decodeCheckpoint(new TextEncoder().encode('hello, world: not a checkpoint'), 'notes.txt')).toThrow(
      new DataFormatError('notes.txt is not a Sparse CNN Lab checkpoint (it does not start with the checkpoint signature)'),
    );
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 1000), 'cut.scnn')).toThrow(/cut\.scnn is damaged: its checksum does not match/);
    const changed = bytes.slice();
    changed[changed.length >> 1] ^= 0x40;
    expect(() => decodeCheckpoint(changed, 'changed.scnn')).toThrow(/changed\.scnn is damaged/);
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(8, 99, true);
    expect(() => decodeCheckpoint(future, 'new.scnn')).toThrow(/new\.scnn is checkpoint format 99; this version of the app reads format 1/);
  });

  it('refuses a checkpoint of another model or data set, leaving the run as it was', async () => {
    const { bytes } = await savedAt(3);
    const state = decodeCheckpoint(bytes).state;
    const seedRun = new Trainer({ ...config, spec: PRESETS.seed }, trainSet, testSet);
    const before = seedRun.model.weights();
    expect(() => seedRun.restoreState(state)).toThrow(CheckpointMismatchError);
    expect(() => seedRun.restoreState(state)).toThrow(/conv1\.weight has 216 weights there, this model has 864/);
    expect(seedRun.model.weights()).toEqual(before);
    expect(seedRun.currentStep).toBe(0);
    const fewerImages = new Trainer(config, images(30, 1), testSet);
    expect(() => fewerImages.restoreState(state)).toThrow('it was trained on 40 images, 30 are loaded');
    const sgd = new Trainer({ ...config, optimizer: { type: 'sgd', lr: 0.01 } }, trainSet, testSet);
    expect(() => sgd.restoreState(state)).toThrow(/optimizer state for conv1\.weight does not fit SGD/);
    // A crafted mask entry (not 0 or 1) is named, and nothing changes.
    const crafted = { ...state, masks: new Map([...state.masks!].map(([name, m]) => [name, m.slice()])) };
    crafted.masks.get('conv2.weight')![5] = 7;
    const run = new Trainer(config, trainSet, testSet);
    const weights = run.model.weights();
    expect(() => run.restoreState(crafted)).toThrow('the pruning mask of conv2.weight holds 7 at entry 5: a mask holds only 0 (pruned) and 1 (kept)');
    expect(run.model.weights()).toEqual(weights);
    expect(run.currentStep).toBe(0);
  });
});

/** A checkpoint store in memory, as IndexedDB is in the browser. */
function memoryStore(): CheckpointStore & { saved: Map<RunId, Uint8Array> } {
  const saved = new Map<RunId, Uint8Array>();
  return {
    saved,
    save: async (id, bytes) => void saved.set(id, bytes.slice()),
    load: async (id) => saved.get(id) ?? null,
    remove: async (id) => void saved.delete(id),
  };
}

const stepLosses = (events: TrainEvent[]) => events.flatMap((e) => (e.event === 'step' ? [[e.step, e.loss]] : []));

describe('a session that saves its runs', () => {
  it('pauses, is saved, and after a "reload" resumes from the paused step with its chart history', async () => {
    const archive = syntheticCifarArchive(40);
    const reference = new TrainingSession();
    await reference.loadArchive(archive, 1, () => {});
    const all: TrainEvent[] = [];
    await reference.train(sessionConfig, (g) => all.push(...g));

    const store = memoryStore();
    const first = new TrainingSession({ checkpoints: store });
    await first.loadArchive(archive, 1, () => {});
    const before: TrainEvent[] = [];
    let pausedAt = -1;
    const pausedOnce = new Promise<void>((resolve) => {
      void first.train(sessionConfig, (group) => {
        before.push(...group);
        const step = group.findLast((e) => e.event === 'step');
        if (step && step.event === 'step' && step.step >= 6 && pausedAt < 0) first.pause();
        const paused = group.find((e) => e.event === 'paused');
        if (paused && paused.event === 'paused' && pausedAt < 0) {
          pausedAt = paused.step;
          resolve();
        }
      });
    });
    await pausedOnce;
    // The save of the paused state is asynchronous; wait for it to land.
    await expect.poll(() => store.saved.get('a') && decodeCheckpoint(store.saved.get('a')!).state.step).toBe(pausedAt);

    const second = new TrainingSession({ checkpoints: store }); // a fresh page: nothing in memory
    await second.loadArchive(archive, 1, () => {});
    const opened = (await second.restoreSaved('a'))!;
    expect(opened.step).toBe(pausedAt);
    expect(opened.config).toEqual(sessionConfig);
    expect(stepLosses(opened.history)).toEqual(stepLosses(all).slice(0, pausedAt));
    expect(opened.history.some((e) => e.event === 'prune')).toBe(true);

    const after: TrainEvent[] = [];
    const finished = second.continueRun('a', (g) => {
      after.push(...g);
      if (g.some((e) => e.event === 'paused')) second.resume();
    });
    await finished;
    expect(stepLosses(after)).toEqual(stepLosses(all).slice(pausedAt));
    first.stop();
  });

  it('an imported file that does not fit changes nothing', async () => {
    const store = memoryStore();
    const session = new TrainingSession({ checkpoints: store });
    await session.loadArchive(syntheticCifarArchive(40), 1, () => {});
    await session.train({ ...sessionConfig, epochs: 1 }, () => {});
    const good = await session.exportCheckpoint('a');
    const savedBefore = store.saved.get('a');
    await expect(session.openCheckpoint('a', good.subarray(0, 500), 'half.scnn')).rejects.toThrow(/half\.scnn is damaged/);
    const other = new TrainingSession();
    await other.loadArchive(syntheticCifarArchive(30), 1, () => {});
    await expect(other.openCheckpoint('a', good, 'run.scnn')).rejects.toThrow('run.scnn does not fit here: it was trained on 40 images, 30 are loaded');
    expect(store.saved.get('a')).toBe(savedBefore);
    expect(await session.confusionMatrix('a')).not.toBeNull();
    // The good file opens in a second slot, beside the first run.
    const opened = await session.openCheckpoint('b', good, 'run.scnn');
    expect(opened.step).toBe(5);
  });
});
