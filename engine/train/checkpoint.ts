/**
 * A checkpoint file: everything needed to continue a run exactly — its settings, the trainer's state
 * (weights, optimizer state, pruning masks, data order, random generators, step) and the events that drew
 * its charts. The same bytes go to IndexedDB and to an exported file.
 *
 * Layout: "SCNNCKPT", format version (u32), header length (u32), the header (JSON: settings, scalars,
 * history and a directory of arrays), then the arrays (4-byte aligned), then a CRC-32 of everything before
 * it. A truncated or edited file fails the checksum; a file of another kind fails the signature.
 */
import { DataFormatError } from '../data/errors';
import type { OptimizerState } from '../optim/optimizer';
import type { PrngState } from '../random/prng';
import type { ModelWeights } from '../model/model';
import type { TrainEvent } from './events';
import { engineCount, engineText } from '../text/engineText';
import type { EngineTextKey } from '../text/en';
import {
  arrayOf,
  bool,
  Check,
  count,
  finite,
  fraction,
  HeaderShapeError,
  isSafeKey,
  nullable,
  objectOf,
  oneOf,
  optional,
  passes,
  taggedUnion,
  text,
  word32,
} from './checkpointHeader';
import { historyEvent } from './historyEvents';

/** Everything that determines the rest of a run, as of one step: what a checkpoint holds. */
export interface TrainerState {
  step: number;
  epoch: number;
  position: number;
  order: Uint32Array;
  shuffle: PrngState;
  augment: PrngState;
  weights: ModelWeights;
  optimizer: OptimizerState;
  masks: Map<string, Uint8Array> | null;
  trainedImages: number;
  trainSeconds: number;
}

/** A checkpoint that does not fit the run it is loaded into (another model, optimizer or data set). */
export class CheckpointMismatchError extends Error {
  override name = 'CheckpointMismatchError';
}

/** The name of the first parameter holding a NaN or an infinity, or null. */
export function nonFiniteWeight(weights: ModelWeights): string | null {
  for (const [name, values] of Object.entries(weights)) for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return name;
  return null;
}

/** What a restored state must fit: the run's parameters, its optimizer, its pruned weights and its images. */
export interface RunShape {
  params: readonly { name: string; size: number }[];
  optimizer: 'sgd' | 'adam';
  /** The weights pruning may mask, with their sizes. */
  prunable: readonly { name: string; size: number }[];
  trainImages: number;
}

/**
 * Checks a trainer state against the run it is to continue and throws CheckpointMismatchError naming the
 * first thing that does not fit (another model, optimizer or data set; a damaged order or position).
 */
export function checkStateFits(state: TrainerState, run: RunShape): void {
  const fail = (key: EngineTextKey, values: Record<string, string | number> = {}): never => {
    throw new CheckpointMismatchError(engineText(key, values));
  };
  const optimizerName = run.optimizer === 'adam' ? 'Adam' : 'SGD';
  const buffersPerParam = run.optimizer === 'adam' ? 2 : 1;
  for (const p of run.params) {
    const w = state.weights[p.name];
    if (!w) fail('checkpoint.noWeights', { param: p.name });
    if (w.length !== p.size) fail('checkpoint.weightCount', { param: p.name, there: w.length, here: p.size });
    const buffers = state.optimizer.buffers[p.name];
    if (!buffers || buffers.length !== buffersPerParam || buffers.some((b) => b.length !== p.size)) {
      fail('checkpoint.optimizer', { param: p.name, optimizer: optimizerName });
    }
  }
  const extra = Object.keys(state.weights).find((name) => !run.params.some((p) => p.name === name));
  if (extra) fail('checkpoint.extraWeights', { param: extra });
  const extraBuffers = Object.keys(state.optimizer.buffers).find((name) => !run.params.some((p) => p.name === name));
  if (extraBuffers) fail('checkpoint.extraOptimizer', { param: extraBuffers });
  const bad = nonFiniteWeight(state.weights);
  if (bad) fail('checkpoint.nonFinite', { param: bad });
  for (const [name, mask] of state.masks ?? []) {
    const p = run.prunable.find((q) => q.name === name);
    if (!p) fail('checkpoint.extraMask', { layer: name });
    if (mask.length !== p!.size) fail('checkpoint.maskSize', { layer: name, there: mask.length, here: p!.size });
    const odd = mask.findIndex((v) => v > 1);
    if (odd >= 0) fail('checkpoint.maskValues', { layer: name, value: mask[odd], index: odd });
  }
  if (state.order.length !== run.trainImages) {
    fail('checkpoint.images', { there: engineCount(state.order.length), here: engineCount(run.trainImages) });
  }
  const seen = new Uint8Array(run.trainImages);
  for (const i of state.order) {
    if (i >= run.trainImages || seen[i]) fail('checkpoint.order');
    seen[i] = 1;
  }
  if (!(Number.isInteger(state.step) && state.step >= 0 && Number.isInteger(state.position) && state.position >= 0 && state.position < run.trainImages)) {
    fail('checkpoint.position', { step: state.step, image: state.position });
  }
}

export const CHECKPOINT_FORMAT = 1;
const MAGIC = 'SCNNCKPT';
const PREFIX_BYTES = 16;
/**
 * No checkpoint of this app comes near this (the largest model a tab may train, 5 M parameters with Adam's
 * two buffers, is 60 MB): a bigger file is refused before it is read into memory.
 */
export const MAX_CHECKPOINT_BYTES = 256 * 2 ** 20;

/** Throws when a file is too large to be a checkpoint — call it with the file's size, before reading it. */
export function checkCheckpointSize(bytes: number, fileName = 'the checkpoint'): void {
  if (bytes > MAX_CHECKPOINT_BYTES) {
    throw new DataFormatError(engineText('checkpoint.tooLarge', { name: fileName, size: (bytes / 2 ** 20).toFixed(0), max: MAX_CHECKPOINT_BYTES / 2 ** 20 }));
  }
}

/** A saved run. `config` is the session's run configuration; `history` the events of its steps so far. */
export interface Checkpoint<Config = unknown> {
  savedAt: string;
  config: Config;
  state: TrainerState;
  history: TrainEvent[];
}

type Dtype = 'f32' | 'u8' | 'u32';
interface ArrayEntry {
  key: string;
  dtype: Dtype;
  length: number;
  offset: number;
}

interface Header {
  savedAt: string;
  config: unknown;
  scalars: {
    step: number;
    epoch: number;
    position: number;
    shuffle: PrngState;
    augment: PrngState;
    trainedImages: number;
    trainSeconds: number;
    optimizerSteps: number;
  };
  history: TrainEvent[];
  arrays: ArrayEntry[];
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (the zip/PNG one). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const BYTES: Record<Dtype, number> = { f32: 4, u8: 1, u32: 4 };

export function encodeCheckpoint<Config>(checkpoint: Checkpoint<Config>): Uint8Array {
  const { state } = checkpoint;
  const arrays: { key: string; dtype: Dtype; data: Float32Array | Uint8Array | Uint32Array }[] = [];
  for (const [name, w] of Object.entries(state.weights)) arrays.push({ key: `weight:${name}`, dtype: 'f32', data: w });
  for (const [name, buffers] of Object.entries(state.optimizer.buffers))
    buffers.forEach((b, i) => arrays.push({ key: `optimizer:${name}:${i}`, dtype: 'f32', data: b }));
  for (const [name, mask] of state.masks ?? []) arrays.push({ key: `mask:${name}`, dtype: 'u8', data: mask });
  arrays.push({ key: 'order', dtype: 'u32', data: state.order });

  let offset = 0;
  const entries: ArrayEntry[] = arrays.map((a) => {
    const entry = { key: a.key, dtype: a.dtype, length: a.data.length, offset };
    offset += Math.ceil((a.data.length * BYTES[a.dtype]) / 4) * 4;
    return entry;
  });
  const header: Header = {
    savedAt: checkpoint.savedAt,
    config: checkpoint.config,
    scalars: {
      step: state.step,
      epoch: state.epoch,
      position: state.position,
      shuffle: state.shuffle,
      augment: state.augment,
      trainedImages: state.trainedImages,
      trainSeconds: state.trainSeconds,
      optimizerSteps: state.optimizer.steps,
    },
    history: checkpoint.history,
    arrays: entries,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = PREFIX_BYTES + Math.ceil(headerBytes.length / 4) * 4;
  const out = new Uint8Array(dataStart + offset + 4);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, CHECKPOINT_FORMAT, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, PREFIX_BYTES);
  arrays.forEach((a, i) => {
    const start = dataStart + entries[i].offset;
    if (a.dtype === 'u8') out.set(a.data as Uint8Array, start);
    else if (a.dtype === 'f32') for (let j = 0; j < a.data.length; j++) view.setFloat32(start + 4 * j, a.data[j], true);
    else for (let j = 0; j < a.data.length; j++) view.setUint32(start + 4 * j, a.data[j], true);
  });
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** What a valid checkpoint's header says about its run (checked field by field, see checkpointHeader.ts). */
const prngState = objectOf({ s: arrayOf(word32, 4, 4), spareNormal: nullable(finite) });
const nonNegative: Check = (v, field) => {
  finite(v, field);
  if ((v as number) < 0) throw new HeaderShapeError(field);
};
const layerSpec = taggedUnion('type', {
  conv2d: objectOf({ type: text(), inChannels: count, outChannels: count, kernelSize: count, stride: optional(count), padding: optional(count) }),
  relu: objectOf({ type: text() }),
  maxPool2d: objectOf({ type: text(), kernelSize: count, stride: optional(count) }),
  flatten: objectOf({ type: text() }),
  linear: objectOf({ type: text(), inFeatures: count, outFeatures: count }),
});
const sessionConfig = objectOf({
  preset: oneOf('tiny', 'seed', 'custom'),
  spec: optional(objectOf({ inputShape: arrayOf(count, 3, 3), layers: arrayOf(layerSpec, 200) })),
  batchSize: count,
  learningRate: finite,
  optimizer: oneOf('adam', 'sgd'),
  augment: bool,
  seed: finite,
  epochs: count,
  evalImages: count,
  evalEverySteps: count,
  trainImages: count,
  workers: count,
  backend: oneOf('cpu', 'wasm', 'webgpu'),
  pruning: optional(nullable(objectOf({ to: fraction, startEpoch: nonNegative, endEpoch: nonNegative, layers: arrayOf(text(100), 100) }))),
});
const scalars = objectOf({
  step: count,
  epoch: count,
  position: count,
  shuffle: prngState,
  augment: prngState,
  trainedImages: count,
  trainSeconds: nonNegative,
  optimizerSteps: count,
});
const arrayEntry = objectOf({ key: text(300), dtype: oneOf('f32', 'u8', 'u32'), length: count, offset: count });
const header = objectOf({
  savedAt: text(100),
  config: sessionConfig,
  scalars,
  // Events are checked one by one below: one that does not fit is dropped (it only draws a chart).
  history: arrayOf(() => undefined, 10_000_000),
  arrays: arrayOf(arrayEntry, 10_000),
});

/** A parameter's name as the model makes it (conv2.weight, fc1.bias). */
const PARAM_NAME = '[A-Za-z][A-Za-z0-9_]*(?:\\.[A-Za-z0-9_]+)*';
/** The array keys the encoder writes, and nothing else (an optimizer keeps at most two buffers: Adam's m and v). */
const ARRAY_KEY = new RegExp(`^(?:(weight|mask):(${PARAM_NAME})|(optimizer):(${PARAM_NAME}):([01])|(order))$`);

/** A key from a file, shortened for a message. */
const quoted = (key: string) => (key.length > 60 ? `${key.slice(0, 60)}…` : key);

/**
 * Reads a checkpoint, or throws a DataFormatError that names the file and what is wrong with it. Every header
 * field is checked for the type and range the encoder writes, every array key for the encoder's form, and
 * the result is built from null-prototype records, so a crafted file cannot reach Object.prototype. It
 * checks the file, not whether it fits a model: Trainer.restoreState does that.
 */
export function decodeCheckpoint<Config = unknown>(bytes: Uint8Array, fileName = 'the checkpoint'): Checkpoint<Config> {
  const fail = (key: EngineTextKey, values: Record<string, string | number> = {}): never => {
    throw new DataFormatError(engineText(key, { name: fileName, ...values }));
  };
  checkCheckpointSize(bytes.length, fileName);
  if (bytes.length < PREFIX_BYTES + 4 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    fail('checkpoint.foreign');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_FORMAT) fail('checkpoint.version', { version, supported: CHECKPOINT_FORMAT });
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== view.getUint32(bytes.length - 4, true)) {
    fail('checkpoint.checksum');
  }
  const headerLength = view.getUint32(12, true);
  if (PREFIX_BYTES + headerLength > bytes.length - 4) fail('checkpoint.headerPastEnd');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)));
  } catch {
    return fail('checkpoint.headerUnreadable');
  }
  try {
    header(parsed, 'header');
  } catch (error) {
    if (error instanceof HeaderShapeError) fail('checkpoint.field', { field: quoted(error.field) });
    throw error;
  }
  const h = parsed as Header;
  const dataStart = PREFIX_BYTES + Math.ceil(headerLength / 4) * 4;
  const weights: Record<string, Float32Array> = Object.create(null);
  const buffers: OptimizerState['buffers'] = Object.create(null);
  const masks = new Map<string, Uint8Array>();
  let order: Uint32Array | null = null;
  const seen = new Set<string>();
  for (const e of h.arrays) {
    const match = ARRAY_KEY.exec(e.key);
    if (!match || [match[2], match[4]].some((name) => name !== undefined && !isSafeKey(name))) fail('checkpoint.arrayKey', { key: quoted(e.key) });
    if (seen.has(e.key)) fail('checkpoint.duplicateArray', { key: quoted(e.key) });
    seen.add(e.key);
    const size = BYTES[e.dtype];
    const start = dataStart + e.offset;
    if (start + e.length * size > bytes.length - 4) fail('checkpoint.arrayPastEnd', { key: quoted(e.key) });
    const [, plainKind, plainName, optimizerKind, optimizerName, index] = match!;
    const kind = plainKind ?? optimizerKind ?? 'order';
    const dtype: Dtype = kind === 'mask' ? 'u8' : kind === 'order' ? 'u32' : 'f32';
    if (e.dtype !== dtype) fail('checkpoint.arrayDescription', { key: quoted(e.key) });
    let data: Float32Array | Uint32Array | Uint8Array;
    if (dtype === 'u8') data = bytes.slice(start, start + e.length);
    else {
      data = dtype === 'f32' ? new Float32Array(e.length) : new Uint32Array(e.length);
      for (let j = 0; j < e.length; j++) data[j] = dtype === 'f32' ? view.getFloat32(start + 4 * j, true) : view.getUint32(start + 4 * j, true);
    }
    if (kind === 'weight') weights[plainName] = data as Float32Array;
    else if (kind === 'mask') masks.set(plainName, data as Uint8Array);
    else if (kind === 'optimizer') (buffers[optimizerName] ??= [])[Number(index)] = data as Float32Array;
    else order = data as Uint32Array;
  }
  for (const [name, list] of Object.entries(buffers)) {
    // A missing index leaves a hole that array methods skip: refuse it here rather than read undefined later.
    for (let i = 0; i < list.length; i++) if (!(i in list)) fail('checkpoint.optimizerGap', { param: name });
  }
  if (!order) return fail('checkpoint.noOrder');
  const s = h.scalars;
  return {
    savedAt: h.savedAt,
    config: h.config as Config,
    history: (h.history.filter((event) => passes(historyEvent, event)) as TrainEvent[]).map((event) =>
      event.event === 'step' && !event.cost.layers ? { ...event, cost: { ...event.cost, layers: {} } } : event,
    ),
    state: {
      step: s.step,
      epoch: s.epoch,
      position: s.position,
      order,
      shuffle: s.shuffle,
      augment: s.augment,
      weights,
      optimizer: { steps: s.optimizerSteps, buffers },
      masks: masks.size ? masks : null,
      trainedImages: s.trainedImages,
      trainSeconds: s.trainSeconds,
    },
  };
}
