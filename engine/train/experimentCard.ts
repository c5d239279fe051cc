/**
 * An experiment card: one run in a small JSON file a class can pass around and compare — what was trained
 * (the model as text, every setting, the seed), where (backend, threads, GPU adapter, browser), and what
 * came of it (per-epoch loss and accuracy, the final accuracy, images/s, each pruned layer's weight
 * sparsity, executed against dense multiplies). A card someone else made is hostile until checked:
 * `parseExperimentCard` takes nothing it has not checked field by field, and names the first field wrong.
 */
import type { BackendName } from '../backend/backend';
import { DataFormatError } from '../data/errors';
import { layerParameterCount, ModelSpec } from '../model/spec';
import { formatModelSpec, parseModelSpec } from '../model/specText';
import type { EngineTextKey } from '../text/en';
import { engineText } from '../text/engineText';
import { arrayOf, bool, Check, count, finite, fraction, HeaderShapeError, nullable, objectOf, oneOf, recordOf, text } from './checkpointHeader';
import type { TrainEvent } from './events';

export const CARD_FORMAT = 'sparse-cnn-lab/experiment-card';
export const CARD_VERSION = 1;
/** A card is a few kilobytes; anything much larger is not one (and is not parsed). */
export const MAX_CARD_BYTES = 256 * 1024;

export interface ExperimentCard {
  format: typeof CARD_FORMAT;
  version: typeof CARD_VERSION;
  /** When it was made (ISO 8601). */
  createdAt: string;
  model: { preset: string; text: string; parameters: number };
  settings: CardSettings;
  device: CardDevice;
  /** Each finished epoch: its training loss and accuracy, its test accuracy, and how long it took. */
  epochs: { epoch: number; trainLoss: number; trainAccuracy: number; testAccuracy: number; seconds: number }[];
  result: {
    steps: number;
    /** The latest test accuracy (all of the test set, at the latest epoch's end), or null before one. */
    testAccuracy: number | null;
    imagesPerSec: number;
    weightSparsity: Record<string, number>;
    /** The latest step's convolution multiplies (null before a step). */
    macs: { dense: number; ideal: number | null; executed: number } | null;
  };
}

/** Every setting of the run, as a card keeps it. */
export interface CardSettings {
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  batchSize: number;
  seed: number;
  augment: boolean;
  epochs: number;
  trainImages: number;
  testImages: number;
  pruning: { to: number; startEpoch: number; endEpoch: number; layers: string[] } | null;
}

/** What a card is made from: the settings, and the model they trained. */
export interface CardRun extends CardSettings {
  preset: string;
  spec: ModelSpec;
}

export interface CardDevice {
  backend: BackendName;
  threads: number;
  hardwareThreads: number;
  gpu: string | null;
  userAgent: string;
}

/** A run's card, from its settings, the events it reported and the device it ran on. */
export function experimentCard(
  run: CardRun,
  history: TrainEvent[],
  device: CardDevice,
  weightSparsity: Record<string, number>,
  now = new Date(),
): ExperimentCard {
  const steps = history.flatMap((e) => (e.event === 'step' ? [e] : []));
  const last = steps[steps.length - 1];
  const epochs = history.flatMap((e) =>
    e.event === 'epoch' ? [{ epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, testAccuracy: e.testAccuracy, seconds: e.seconds }] : [],
  );
  epochs.sort((a, b) => a.epoch - b.epoch);
  const parameters = run.spec.layers.reduce((n, layer) => n + layerParameterCount(layer), 0);
  return {
    format: CARD_FORMAT,
    version: CARD_VERSION,
    createdAt: now.toISOString(),
    model: { preset: run.preset, text: formatModelSpec(run.spec), parameters },
    settings: {
      optimizer: run.optimizer,
      learningRate: run.learningRate,
      batchSize: run.batchSize,
      seed: run.seed,
      augment: run.augment,
      epochs: run.epochs,
      trainImages: run.trainImages,
      testImages: run.testImages,
      pruning: run.pruning ? { ...run.pruning, layers: [...run.pruning.layers] } : null,
    },
    device: { ...device },
    epochs,
    result: {
      steps: last?.step ?? 0,
      testAccuracy: epochs.length ? epochs[epochs.length - 1].testAccuracy : null,
      imagesPerSec: last?.imagesPerSec ?? 0,
      weightSparsity: { ...weightSparsity },
      macs: last ? { dense: last.cost.denseMacs, ideal: last.cost.idealMacs, executed: last.cost.executedMacs } : null,
    },
  };
}

const epochEntry = objectOf({ epoch: count, trainLoss: finite, trainAccuracy: fraction, testAccuracy: fraction, seconds: finite });
const cardShape: Check = objectOf({
  format: oneOf(CARD_FORMAT),
  version: oneOf(CARD_VERSION),
  createdAt: text(40),
  model: objectOf({ preset: text(40), text: text(4000), parameters: count }),
  settings: objectOf({
    optimizer: oneOf('adam', 'sgd'),
    learningRate: finite,
    batchSize: count,
    seed: finite,
    augment: bool,
    epochs: count,
    trainImages: count,
    testImages: count,
    pruning: nullable(objectOf({ to: fraction, startEpoch: finite, endEpoch: finite, layers: arrayOf(text(100), 100) })),
  }),
  device: objectOf({ backend: oneOf('cpu', 'wasm', 'webgpu'), threads: count, hardwareThreads: count, gpu: nullable(text(300)), userAgent: text(500) }),
  epochs: arrayOf(epochEntry, 1000),
  result: objectOf({
    steps: count,
    testAccuracy: nullable(fraction),
    imagesPerSec: finite,
    weightSparsity: recordOf(fraction, 100),
    macs: nullable(objectOf({ dense: finite, ideal: nullable(finite), executed: finite })),
  }),
});

/** Refuses a file too large to be a card, before it is read (a huge file would fill the page's memory). */
export function checkCardSize(bytes: number, name: string): void {
  if (bytes > MAX_CARD_BYTES) throw new DataFormatError(engineText('card.tooLarge', { name, size: bytes, limit: MAX_CARD_BYTES }));
}

/**
 * A card from a file's text, checked: the format and version, every field's type and range, the model text
 * (it must parse), the dates. Throws a DataFormatError naming the file and the first problem.
 */
export function parseExperimentCard(bytes: Uint8Array, name: string): ExperimentCard {
  const refuse = (key: EngineTextKey, values: Record<string, string | number> = {}): never => {
    throw new DataFormatError(engineText(key, { name, ...values }));
  };
  checkCardSize(bytes.length, name);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return refuse('card.notJson');
  }
  if (typeof value !== 'object' || value === null || (value as { format?: unknown }).format !== CARD_FORMAT) refuse('card.notCard');
  if ((value as { version?: unknown }).version !== CARD_VERSION) refuse('card.version', { version: String((value as { version?: unknown }).version) });
  try {
    cardShape(value, 'card');
  } catch (error) {
    if (error instanceof HeaderShapeError) refuse('card.field', { field: error.field });
    throw error;
  }
  const card = value as ExperimentCard;
  if (Number.isNaN(Date.parse(card.createdAt))) refuse('card.field', { field: 'card.createdAt' });
  try {
    parseModelSpec(card.model.text);
  } catch (error) {
    refuse('card.model', { error: error instanceof Error ? error.message : String(error) });
  }
  return card;
}
