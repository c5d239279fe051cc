/**
 * The training lab's settings as the learner types them (text fields stay text until Start), and what they
 * become: the model they describe, the first problem with them, a run configuration, a link. No React here:
 * a unit test feeds these functions every kind of link and typed value.
 */
import { ModelSpec, PRESETS } from '../../engine/model/spec';
import { formatModelSpec, parseModelSpec } from '../../engine/model/specText';
import { defaultPrunedLayers } from '../../engine/model/prunedLayers';
import type { SessionTrainConfig } from '../../engine/train/session';
import { fill } from '../../i18n/locale';
import type { Messages } from '../../i18n/messages/en';
import { errorMessage } from '../ui/errorMessage';
import { oneOf, writeQuery } from '../ui/urlState';
import { EPOCHS, EVAL_EVERY_STEPS } from './trainDisplay';
import { DEFAULT_SETTINGS, RunId, Settings, TEST_SET_SIZES, TestSetSize, TRAIN_SET_SIZES, TrainSetSize } from './trainStore';

/** The model the settings describe, or the reason the typed one is not a model. */
export function settingsSpec(s: Settings): { spec: ModelSpec } | { error: string } {
  if (s.preset !== 'custom') return { spec: PRESETS[s.preset] };
  try {
    return { spec: parseModelSpec(s.specText) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** Checks the text fields; returns a message naming the first bad one. */
export function validateSettings(s: Settings, m: Messages['lab']['problems']): string | null {
  const model = settingsSpec(s);
  if ('error' in model) return fill(m.model, { error: model.error });
  const lr = Number(s.learningRate);
  if (s.learningRate.trim() === '' || !Number.isFinite(lr) || lr <= 0) return fill(m.learningRate, { value: s.learningRate });
  const batch = Number(s.batchSize);
  if (!Number.isInteger(batch) || batch < 1 || batch > 512) return fill(m.batchSize, { value: s.batchSize });
  if (!Number.isInteger(Number(s.seed))) return fill(m.seed, { value: s.seed });
  if (Number(s.pruneTo) > 0) {
    if (defaultPrunedLayers(model.spec).length === 0) return m.nothingToPrune;
    const start = Number(s.pruneStart);
    const end = Number(s.pruneEnd);
    if (s.pruneStart.trim() === '' || !(start >= 0 && start < EPOCHS)) return fill(m.pruneStart, { last: EPOCHS - 1, value: s.pruneStart });
    if (s.pruneEnd.trim() === '' || !(end >= start && end <= EPOCHS)) return fill(m.pruneEnd, { epochs: EPOCHS, value: s.pruneEnd });
  }
  return null;
}

const text =
  (maxLength: number) =>
  (raw: string): string =>
    raw.slice(0, maxLength);
const flag = (raw: string): boolean | null => (raw === 'true' ? true : raw === 'false' ? false : null);

/**
 * Every setting a link carries (the model text too, for a custom model): its URL key and how the link's
 * text becomes its value (null: ignored). Reading and writing links both go through this one table; text
 * fields are taken as typed, cut to a sane length (Start checks them and names a bad one).
 */
const URL_FIELDS: { [K in keyof Settings]?: { key: string; parse: (raw: string) => Settings[K] | null } } = {
  preset: { key: 'lab.model', parse: oneOf('tiny', 'seed', 'custom') },
  specText: { key: 'lab.layers', parse: text(2000) },
  learningRate: { key: 'lab.lr', parse: text(20) },
  batchSize: { key: 'lab.batch', parse: text(6) },
  optimizer: { key: 'lab.optimizer', parse: oneOf('adam', 'sgd') },
  augment: { key: 'lab.augment', parse: flag },
  seed: { key: 'lab.seed', parse: text(12) },
  backend: { key: 'lab.backend', parse: oneOf('wasm', 'cpu', 'webgpu') },
  pruneTo: { key: 'lab.prune', parse: oneOf('0', '0.5', '0.8', '0.9', '0.95') },
  pruneStart: { key: 'lab.pruneFrom', parse: text(8) },
  pruneEnd: { key: 'lab.pruneTo', parse: text(8) },
  compare: { key: 'lab.compare', parse: flag },
  trainSet: { key: 'lab.trainImages', parse: oneOf(...TRAIN_SET_SIZES) },
  testSet: { key: 'lab.testImages', parse: oneOf(...TEST_SET_SIZES) },
};

const urlFields = Object.entries(URL_FIELDS) as [keyof Settings, { key: string; parse: (raw: string) => unknown }][];

/** The settings a link carries. */
export function settingsFromQuery(query: URLSearchParams): Partial<Settings> {
  const out: Record<string, unknown> = {};
  for (const [field, { key, parse }] of urlFields) {
    const raw = query.get(key);
    const value = raw === null ? null : parse(raw);
    if (value !== null) out[field] = value;
  }
  return out as Partial<Settings>;
}

/** The URL keys of the settings that differ from the defaults (null: the key leaves the link). */
export function settingsQuery(s: Settings): Record<string, string | null> {
  return Object.fromEntries(
    urlFields.map(([field, { key }]) => {
      const value = s[field];
      const skip = value === DEFAULT_SETTINGS[field] || (field === 'specText' && s.preset !== 'custom');
      return [key, skip ? null : String(value)];
    }),
  );
}

/** Writes the settings that differ from the defaults into the URL. */
export function settingsToUrl(s: Settings): void {
  writeQuery(settingsQuery(s));
}

/** The slots the settings train: one run, or dense (a) beside pruned (b). */
export const activeRuns = (s: Settings): RunId[] => (s.compare ? ['a', 'b'] : ['a']);

/**
 * A slot's run configuration: in a comparison, run a is the dense one, otherwise both follow the settings.
 * `loadedImages`: the training images at hand (the run uses the settings' number, or all of them if fewer).
 */
export function runConfig(s: Settings, id: RunId, loadedImages: number): SessionTrainConfig {
  const spec = (settingsSpec(s) as { spec: ModelSpec }).spec;
  const prune = Number(s.pruneTo) > 0 && !(s.compare && id === 'a');
  return {
    preset: s.preset,
    ...(s.preset === 'custom' ? { spec } : {}),
    batchSize: Number(s.batchSize),
    learningRate: Number(s.learningRate),
    optimizer: s.optimizer,
    augment: s.augment,
    seed: Number(s.seed),
    epochs: EPOCHS,
    evalImages: Number(s.testSet),
    evalEverySteps: EVAL_EVERY_STEPS,
    trainImages: Math.min(Number(s.trainSet), loadedImages),
    workers: Math.max(1, s.workers),
    backend: s.backend,
    pruning: prune ? { to: Number(s.pruneTo), startEpoch: Number(s.pruneStart), endEpoch: Number(s.pruneEnd), layers: defaultPrunedLayers(spec) } : null,
  };
}

/** The settings a saved run was made with (for the controls to show). */
export function settingsOf(config: SessionTrainConfig, pruned: SessionTrainConfig | null): Partial<Settings> {
  const p = (pruned ?? config).pruning;
  return {
    preset: config.preset,
    specText: config.spec ? formatModelSpec(config.spec) : '',
    learningRate: String(config.learningRate),
    batchSize: String(config.batchSize),
    optimizer: config.optimizer,
    augment: config.augment,
    seed: String(config.seed),
    workers: config.workers,
    backend: config.backend,
    pruneTo: p ? String(p.to) : '0',
    pruneStart: p ? String(p.startEpoch) : '1',
    pruneEnd: p ? String(p.endEpoch) : '5',
    compare: pruned !== null,
    trainSet: nearest(TRAIN_SET_SIZES, config.trainImages) as TrainSetSize,
    testSet: nearest(TEST_SET_SIZES, config.evalImages) as TestSetSize,
  };
}

/** The choice closest to a saved run's number (runs saved before the choice existed used 10,000 and 500). */
function nearest(choices: readonly string[], value: number): string {
  return choices.reduce((best, c) => (Math.abs(Number(c) - value) < Math.abs(Number(best) - value) ? c : best));
}
