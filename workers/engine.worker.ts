/// <reference lib="webworker" />
/**
 * The engine worker: a thin Comlink facade over engine/TrainingSession. Everything numeric happens here,
 * off the page's main thread.
 */
import * as Comlink from 'comlink';
import type { DataProgress } from '../engine/data/fetchCifar10';
import type { TrainEvent } from '../engine/train/trainer';
import { SessionTrainConfig, TrainingSession } from '../engine/train/session';
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
  activationOmegas: (index: number) => {
    const layers = session.activationOmegas(index);
    return layers ? Comlink.transfer(layers, layers.flatMap((l) => l.perChannel.map((list) => list.buffer as ArrayBuffer))) : null;
  },
  loadTestImages: (onProgress: (p: DataProgress) => void) => session.loadTestImages(origin, onProgress),
  convScene: (index: number | null, params: ConvSceneParams) => {
    const scene = session.convScene(index, params);
    const t = scene.trace;
    const buffers = [t.dense, t.sparse].flatMap((s) => [s.output, s.weight, s.input, s.product, s.inOmega].map((a) => a.buffer as ArrayBuffer));
    return Comlink.transfer(scene, [...buffers, t.y.buffer as ArrayBuffer]);
  },
  convFollowUp: (index: number | null, params: ConvSceneParams) => session.convFollowUp(index, params),
  samplePredictions: (count: number) => {
    const s = session.samplePredictions(count);
    // Move the buffers instead of copying them.
    return s ? Comlink.transfer(s, [s.images.buffer, s.labels.buffer, s.predicted.buffer, s.probs.buffer]) : null;
  },
};

export type EngineWorkerApi = typeof api;

Comlink.expose(api);
