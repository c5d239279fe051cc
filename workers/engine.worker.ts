/// <reference lib="webworker" />
/**
 * The engine worker: a thin Comlink facade over engine/TrainingSession. Everything numeric happens here,
 * off the page's main thread.
 */
import * as Comlink from 'comlink';
import type { DataProgress } from '../engine/data/fetchCifar10';
import type { TrainEvent } from '../engine/train/trainer';
import { SceneSource, SessionTrainConfig, TrainingSession } from '../engine/train/session';
import type { ConvSceneParams } from '../engine/trace/convScene';
import { browserGradientPool } from './browserGradientPool';

const session = new TrainingSession({ createPool: browserGradientPool, gpu: self.navigator.gpu ?? undefined });
const origin = self.location.origin;

const api = {
  installedDataAvailable: () => session.installedDataAvailable(origin),
  gpuStatus: () => session.gpuStatus(),
  loadInstalled: (trainBatches: number, onProgress: (p: DataProgress) => void) => session.loadInstalled(origin, trainBatches, onProgress),
  loadArchive: (file: File, trainBatches: number, onProgress: (p: DataProgress) => void) => session.loadArchive(file, trainBatches, onProgress),
  train: (config: SessionTrainConfig, onEvents: (events: TrainEvent[]) => void) => session.train(config, onEvents),
  pause: () => session.pause(),
  resume: () => session.resume(),
  stop: () => session.stop(),
  rollback: () => session.rollback(),
  stepOnce: () => session.stepOnce(),
  confusionMatrix: () => session.confusionMatrix(),
  firstFilters: () => session.firstFilters(),
  activationOmegas: (index: number) => {
    const layers = session.activationOmegas(index);
    return layers ? Comlink.transfer(layers, layers.flatMap((l) => l.perChannel.map((list) => list.buffer as ArrayBuffer))) : null;
  },
  loadTestImages: (onProgress: (p: DataProgress) => void) => session.loadTestImages(origin, onProgress),
  convScene: (source: SceneSource, params: ConvSceneParams) => {
    const scene = session.convScene(source, params);
    const t = scene.trace;
    const buffers = [t.dense, t.sparse].flatMap((s) => [s.output, s.weight, s.input, s.product, s.inOmega].map((a) => a.buffer as ArrayBuffer));
    return Comlink.transfer(scene, [...buffers, t.y.buffer as ArrayBuffer]);
  },
  /** A picture the learner chose, as a 32×32 CIFAR-style image (CHW bytes); the worker decodes and scales it. */
  imageFromFile: async (file: Blob) => {
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      throw new Error(`${(file as File).name ?? 'that file'} is not a picture this browser can read`);
    }
    const canvas = new OffscreenCanvas(32, 32);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0, 32, 32);
    const rgba = ctx.getImageData(0, 0, 32, 32).data;
    const chw = new Uint8Array(3 * 1024);
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) chw[c * 1024 + p] = rgba[4 * p + c];
    return Comlink.transfer(chw, [chw.buffer]);
  },
  convFollowUp: (source: SceneSource, params: ConvSceneParams) => session.convFollowUp(source, params),
  samplePredictions: (count: number) => {
    const s = session.samplePredictions(count);
    // Move the buffers instead of copying them.
    return s ? Comlink.transfer(s, [s.images.buffer, s.labels.buffer, s.predicted.buffer, s.probs.buffer]) : null;
  },
};

export type EngineWorkerApi = typeof api;

Comlink.expose(api);
