/**
 * What the cost lab's worker does: builds the model to measure (a preset, pruned or not, or a checkpoint's),
 * measures it layer by layer on a batch of test images (in TypeScript, and on WebAssembly SIMD and WebGPU
 * where they run), and runs the sparsity sweep on a backend. Long work reports progress and can be stopped
 * between steps.
 */
import type { Backend, BackendName, DeviceTensor } from '../backend/backend';
import { cpuBackend } from '../backend/cpu/cpuBackend';
import { magnitudeMasks, prunableParams } from '../sparse/pruning';
import { makeBatch } from '../data/batch';
import { ImageSet, randomImageSet } from '../data/cifar10';
import { Model } from '../model/model';
import { isPresetName, ModelSpec, PRESETS, PresetName } from '../model/spec';
import { pruneHiddenLayers } from '../model/prunedLayers';
import { decodeCheckpoint } from '../train/checkpoint';
import { resolveSpec, SessionTrainConfig } from '../train/session';
import { CheckpointMismatchError } from '../train/trainer';
import { addBackendTimes, LayerCostReport, measureLayerCosts, traceBatch } from './layerCost';
import { measureLayerRoofline, measureRoof, Roof, roofOverDense, RooflinePoint } from './roofline';
import { measureMedianAsync, MeasureOptions } from './measure';
import { densitySweep, SweepOptions, SweepPoint } from './sweep';
import { engineText } from '../text/engineText';

export type CostModelSource =
  { kind: 'preset'; preset: PresetName; pruneTo: number; seed: number } | { kind: 'checkpoint'; bytes: Uint8Array; fileName: string };

export interface LayerCostRequest {
  model: CostModelSource;
  batch: number;
  /** Conv layers run sparse when input density × weight density is at or below this (policy auto). */
  crossover: number;
  /** …or, on the weight-sparse kernels, when their weight density is at or below this (null: not measured). */
  weightCrossover?: number | null;
  /** Also time every layer on WebAssembly SIMD and on WebGPU, where they run. */
  wasm: boolean;
  gpu: boolean;
  timing: MeasureOptions;
  gpuRepeats: number;
}

export interface LayerCostResult extends LayerCostReport {
  model: string;
  images: string;
  crossover: number;
  /** Why there are no WebAssembly or GPU times, when there are none. */
  wasmNote: string | null;
  gpuNote: string | null;
}

export type CostProgress = { phase: 'cpu' | 'wasm' | 'gpu' | 'sweep' | 'roofline'; done: number; total: number; label: string };

export interface RooflineRequest {
  preset: PresetName;
  /** Fractions of zeros given to the model's pruned layers, one set of points each. */
  prunes: number[];
  batch: number;
  backend: BackendName;
  timing: MeasureOptions;
}

export interface RooflineResult {
  backend: BackendName;
  roof: Roof;
  points: RooflinePoint[];
  model: string;
  images: string;
  stopped: boolean;
}

/** A backend to measure on, or why there is none here. */
export type BackendOrReason = { backend: Backend } | { reason: string };

/** Our seed forward pass against the dense engine a learner could pick instead, on the same batch. */
export interface ForwardComparison {
  batch: number;
  /** The backend ours ran on (WebAssembly SIMD where it runs), images per second dense and with conv2 and fc1 90% zero (their sparse kernels). */
  ours: { backend: BackendName; dense: number; pruned: number };
  /** The reference (TensorFlow.js's WASM backend), or why it did not run. */
  reference: { name: string; imagesPerSec: number } | null;
  referenceNote: string | null;
}

/** Times a dense seed forward pass of `batch` images elsewhere (TensorFlow.js, loaded only when asked). */
export type ReferenceForward = (batch: number, timing: MeasureOptions) => Promise<{ imagesPerSec: number; name: string }>;

/** A model from a checkpoint file, with its trained (and pruned) weights. */
function modelFromCheckpoint(bytes: Uint8Array, fileName: string): { model: Model; name: string } {
  const checkpoint = decodeCheckpoint<SessionTrainConfig>(bytes, fileName);
  let spec: ModelSpec;
  try {
    spec = resolveSpec(checkpoint.config);
  } catch (error) {
    throw new CheckpointMismatchError(
      engineText('checkpoint.notBuildable', { name: fileName, reason: error instanceof Error ? error.message : String(error) }),
    );
  }
  const model = new Model(spec, 0);
  try {
    model.setWeights(checkpoint.state.weights);
  } catch (error) {
    throw new CheckpointMismatchError(engineText('checkpoint.notOwnModel', { name: fileName, reason: error instanceof Error ? error.message : String(error) }));
  }
  return { model, name: engineText('checkpoint.named', { name: fileName, step: checkpoint.state.step }) };
}

function buildModel(source: CostModelSource): { model: Model; name: string } {
  if (source.kind === 'checkpoint') return modelFromCheckpoint(source.bytes, source.fileName);
  if (!isPresetName(source.preset)) throw new RangeError(`unknown preset "${source.preset}"`);
  if (!(source.pruneTo >= 0 && source.pruneTo < 1)) throw new RangeError(`pruning must be at least 0 and below 1, got ${source.pruneTo}`);
  const model = new Model(PRESETS[source.preset], source.seed);
  const layers = pruneHiddenLayers(model, source.pruneTo);
  const pruning = layers.length
    ? engineText('cost.pruned', { layers: layers.join(engineText('cost.and')), percent: Math.round(source.pruneTo * 100) })
    : engineText('cost.dense');
  return { model, name: engineText('cost.presetModel', { preset: source.preset, seed: source.seed, pruning }) };
}

export class CostLab {
  private stopRequested = false;

  /**
   * @param testImages CIFAR-10 test images when loaded (else null: random pictures stand in)
   * @param backends each backend by name (the session's instances), or the reason one is missing
   */
  constructor(
    private readonly testImages: () => Promise<ImageSet | null>,
    private readonly backends: (name: BackendName) => Promise<BackendOrReason>,
  ) {}

  stop(): void {
    this.stopRequested = true;
  }

  async layerCosts(request: LayerCostRequest, onProgress: (p: CostProgress) => void): Promise<LayerCostResult> {
    this.stopRequested = false;
    if (!(Number.isInteger(request.batch) && request.batch >= 1 && request.batch <= 64))
      throw new RangeError(`the batch must be a whole number from 1 to 64, got ${request.batch}`);
    if (!(request.crossover >= 0 && request.crossover <= 1)) throw new RangeError(`the crossover must be a density from 0 to 1, got ${request.crossover}`);
    const { model, name } = buildModel(request.model);
    model.setExecutionPolicy('auto', request.crossover);
    model.setWeightCrossover(request.weightCrossover ?? null);
    const loaded = await this.testImages();
    const set = loaded && loaded.count >= request.batch ? loaded : randomImageSet(request.batch);
    const batch = makeBatch(
      set,
      Array.from({ length: request.batch }, (_, i) => i),
    );
    onProgress({ phase: 'cpu', done: 0, total: model.layers.length, label: 'CPU' });
    // Yield between layers so progress reaches the page.
    const report = await measureLayerCosts(model, batch.x, batch.labels, request.timing, (done, total, layer) =>
      onProgress({ phase: 'cpu', done, total, label: `CPU: ${layer}` }),
    );
    // The same layers on the other backends, each fed the CPU's trace with the kernels its rule chose.
    const other = async (asked: boolean, name: 'wasm' | 'webgpu', label: string, repeats: number): Promise<string | null> => {
      if (!asked) return engineText('cost.notAsked');
      if (this.stopRequested) return engineText('cost.stopped');
      const found = await this.backends(name);
      if (!('backend' in found)) return found.reason;
      const phase = name === 'wasm' ? 'wasm' : 'gpu';
      onProgress({ phase, done: 0, total: model.layers.length, label });
      await addBackendTimes(found.backend, model, report, report.trace, repeats, (done, total) =>
        onProgress({ phase, done, total, label: `${label}: ${model.layers[done - 1].name}` }),
      );
      return null;
    };
    const wasmNote = await other(request.wasm, 'wasm', 'WebAssembly SIMD', Math.max(request.gpuRepeats, request.timing.minRepeats));
    const gpuNote = await other(request.gpu, 'webgpu', 'WebGPU', request.gpuRepeats);
    const { trace, ...rest } = report;
    void trace; // the trace fed the GPU timings; the page gets the counts
    return {
      ...rest,
      model: name,
      images: engineText(loaded && loaded.count >= request.batch ? 'cost.testImages' : 'cost.randomImages', { n: request.batch }),
      crossover: request.crossover,
      wasmNote,
      gpuNote,
    };
  }

  /**
   * The seed model's forward pass on our fastest CPU backend, dense and with conv2 and fc1 pruned to 90%
   * (their sparse kernels), beside `reference` timing the same dense pass.
   */
  async compareForward(batch: number, timing: MeasureOptions, reference: ReferenceForward): Promise<ForwardComparison> {
    if (!(Number.isInteger(batch) && batch >= 1 && batch <= 64)) throw new RangeError(`the batch must be a whole number from 1 to 64, got ${batch}`);
    const wasm = await this.backends('wasm');
    const backend = 'backend' in wasm ? wasm.backend : (cpuBackend as unknown as Backend);
    const images = randomImageSet(batch);
    const x = makeBatch(
      images,
      Array.from({ length: batch }, (_, i) => i),
    ).x;
    const imagesPerSec = async (model: Model<DeviceTensor>) => {
      const run = async () => {
        const start = performance.now();
        await model.logits(x);
        return performance.now() - start;
      };
      const { medianMs } = await measureMedianAsync(run, timing);
      model.destroy();
      return (batch * 1000) / medianMs;
    };
    const dense = await imagesPerSec(new Model<DeviceTensor>(PRESETS.seed, 1, backend));
    const pruned = new Model<DeviceTensor>(PRESETS.seed, 1, backend);
    pruned.setMasks(magnitudeMasks(prunableParams(new Model(PRESETS.seed, 1).params(), ['conv2', 'fc1']), 0.9));
    for (const layer of pruned.weightedLayers()) layer.policy = layer.name === 'conv2' || layer.name === 'fc1' ? 'sparse' : 'dense';
    const prunedSpeed = await imagesPerSec(pruned);
    let ref: ForwardComparison['reference'] = null;
    let referenceNote: string | null = null;
    try {
      ref = await reference(batch, timing);
    } catch (error) {
      referenceNote = error instanceof Error ? error.message : String(error);
    }
    return { batch, ours: { backend: backend.name, dense, pruned: prunedSpeed }, reference: ref, referenceNote };
  }

  /**
   * The roofline of one backend: its roof (peak dense GFLOP/s, streaming GB/s), then every weighted layer's
   * kernels on a batch, at each pruning level of the preset.
   */
  async roofline(request: RooflineRequest, onProgress: (p: CostProgress) => void): Promise<RooflineResult> {
    this.stopRequested = false;
    if (!(Number.isInteger(request.batch) && request.batch >= 1 && request.batch <= 64))
      throw new RangeError(`the batch must be a whole number from 1 to 64, got ${request.batch}`);
    if (!(request.prunes.length >= 1 && request.prunes.length <= 8)) throw new RangeError('the roofline needs 1 to 8 pruning levels');
    const found = await this.backends(request.backend);
    if (!('backend' in found)) throw new Error(found.reason);
    const total = request.prunes.length + 1;
    onProgress({ phase: 'roofline', done: 0, total, label: engineText('cost.roof') });
    const roof = await measureRoof(found.backend, request.timing);
    const loaded = await this.testImages();
    const set = loaded && loaded.count >= request.batch ? loaded : randomImageSet(request.batch);
    const batch = makeBatch(
      set,
      Array.from({ length: request.batch }, (_, i) => i),
    );
    const points: RooflinePoint[] = [];
    for (const [i, pruneTo] of request.prunes.entries()) {
      if (this.stopRequested) break;
      onProgress({ phase: 'roofline', done: i + 1, total, label: engineText('cost.rooflinePruned', { percent: Math.round(pruneTo * 100) }) });
      const built = buildModel({ kind: 'preset', preset: request.preset, pruneTo, seed: 1 });
      const trace = await traceBatch(built.model, batch.x, batch.labels);
      points.push(...(await measureLayerRoofline(found.backend, built.model, trace, pruneTo, request.timing, () => this.stopRequested)));
    }
    onProgress({ phase: 'roofline', done: total, total, label: engineText('cost.roof') });
    return {
      backend: request.backend,
      roof: roofOverDense(roof, points),
      points,
      model: engineText('cost.rooflineModel', { preset: request.preset, levels: request.prunes.map((p) => Math.round(p * 100)).join(', ') }),
      images: engineText(loaded && loaded.count >= request.batch ? 'cost.testImages' : 'cost.randomImages', { n: request.batch }),
      stopped: this.stopRequested,
    };
  }

  /** The sparsity sweep on one backend. */
  async sweep(
    options: SweepOptions,
    backendName: BackendName,
    onProgress: (p: CostProgress, point: SweepPoint) => void,
  ): Promise<{ points: SweepPoint[]; crossover: number; stopped: boolean }> {
    this.stopRequested = false;
    const found = await this.backends(backendName);
    if (!('backend' in found)) throw new Error(found.reason);
    return densitySweep(
      options,
      found.backend,
      (point, done, total) =>
        onProgress({ phase: 'sweep', done, total, label: engineText('cost.input', { input: point.inputDensity, weights: point.weightDensity }) }, point),
      () => this.stopRequested,
    );
  }
}
