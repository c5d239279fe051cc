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
import { oneOf, writeQuery } from '../ui/urlState';
import { EPOCHS, EVAL_EVERY_STEPS, EVAL_IMAGES } from './trainDisplay';
import { DEFAULT_SETTINGS, RunId, Settings } from './trainStore';

export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^(DataFormatError|RangeError|Error|ModelSpecError|CheckpointMismatchError):\s*/, '');
}

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

/** URL keys of the settings a link carries (the model text too, for a custom model). */
const URL_KEYS: Record<string, keyof Settings> = {
  'lab.model': 'preset',
  'lab.layers': 'specText',
  'lab.lr': 'learningRate',
  'lab.batch': 'batchSize',
  'lab.optimizer': 'optimizer',
  'lab.augment': 'augment',
  'lab.seed': 'seed',
  'lab.backend': 'backend',
  'lab.prune': 'pruneTo',
  'lab.pruneFrom': 'pruneStart',
  'lab.pruneTo': 'pruneEnd',
  'lab.compare': 'compare',
};

/** The settings a link carries; text fields are taken as typed (Start checks them and names a bad one). */
export function settingsFromQuery(query: URLSearchParams): Partial<Settings> {
  const readQuery = <T>(key: string, parse: (raw: string) => T | null): T | null => {
    const raw = query.get(key);
    return raw === null ? null : parse(raw);
  };
  const out: Partial<Settings> = {};
  const put = <K extends keyof Settings>(key: K, value: Settings[K] | null) => {
    if (value !== null) out[key] = value;
  };
  put('preset', readQuery('lab.model', oneOf('tiny', 'seed', 'custom')));
  put(
    'specText',
    readQuery('lab.layers', (raw) => raw.slice(0, 2000)),
  );
  put(
    'learningRate',
    readQuery('lab.lr', (raw) => raw.slice(0, 20)),
  );
  put(
    'batchSize',
    readQuery('lab.batch', (raw) => raw.slice(0, 6)),
  );
  put('optimizer', readQuery('lab.optimizer', oneOf('adam', 'sgd')));
  put(
    'augment',
    readQuery('lab.augment', (raw) => (raw === 'true' ? true : raw === 'false' ? false : null)),
  );
  put(
    'seed',
    readQuery('lab.seed', (raw) => raw.slice(0, 12)),
  );
  put('backend', readQuery('lab.backend', oneOf('wasm', 'cpu', 'webgpu')));
  put('pruneTo', readQuery('lab.prune', oneOf('0', '0.5', '0.8', '0.9', '0.95')));
  put(
    'pruneStart',
    readQuery('lab.pruneFrom', (raw) => raw.slice(0, 8)),
  );
  put(
    'pruneEnd',
    readQuery('lab.pruneTo', (raw) => raw.slice(0, 8)),
  );
  put(
    'compare',
    readQuery('lab.compare', (raw) => (raw === 'true' ? true : raw === 'false' ? false : null)),
  );
  return out;
}

/** Writes the settings that differ from the defaults into the URL. */
export function settingsToUrl(s: Settings): void {
  writeQuery(
    Object.fromEntries(
      Object.entries(URL_KEYS).map(([key, field]) => {
        const value = s[field];
        const skip = value === DEFAULT_SETTINGS[field] || (field === 'specText' && s.preset !== 'custom');
        return [key, skip ? null : String(value)];
      }),
    ),
  );
}

/** The slots the settings train: one run, or dense (a) beside pruned (b). */
export const activeRuns = (s: Settings): RunId[] => (s.compare ? ['a', 'b'] : ['a']);

/** A slot's run configuration: in a comparison, run a is the dense one, otherwise both follow the settings. */
export function runConfig(s: Settings, id: RunId, trainImages: number): SessionTrainConfig {
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
    evalImages: EVAL_IMAGES,
    evalEverySteps: EVAL_EVERY_STEPS,
    trainImages,
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
  };
}
