/**
 * The shape of each event a checkpoint keeps as its run's history (the events that draw the charts). A saved
 * event that does not fit is dropped when the file is opened, so the page never draws from a field that is
 * missing, of another type, or not a finite number.
 */
import { arrayOf, bool, Check, count, finite, nullable, objectOf, oneOf, optional, recordOf, taggedUnion, text } from './checkpointHeader';

const step = count;
const kernel = oneOf('dense', 'sparse');
const layerStepCost = objectOf({ denseMacs: finite, idealMacs: nullable(finite), executedMacs: finite, kernel });
/** `layers` came later: a file saved before has none, and opens with an empty record there. */
const stepCost = objectOf({
  denseMacs: finite,
  idealMacs: nullable(finite),
  executedMacs: finite,
  kernels: recordOf(kernel),
  layers: optional(recordOf(layerStepCost)),
});
const layerStats = objectOf({
  layer: text(100),
  type: text(100),
  elementDensity: finite,
  siteDensity: nullable(finite),
  weightSparsity: nullable(finite),
  gradNorm: nullable(finite),
  gradDensity: nullable(finite),
});
const weightHistogram = objectOf({ layer: text(100), edges: arrayOf(finite, 1000), counts: arrayOf(finite, 1000), zeros: finite, total: finite });

export const historyEvent: Check = taggedUnion('event', {
  start: objectOf({
    event: text(),
    stepsPerEpoch: count,
    totalSteps: count,
    trainImages: count,
    testImages: count,
    workers: count,
    sharedMemory: bool,
    backend: oneOf('cpu', 'wasm', 'webgpu'),
  }),
  step: objectOf({
    event: text(),
    epoch: count,
    step,
    loss: finite,
    batchAccuracy: finite,
    imagesPerSec: finite,
    progress: finite,
    cost: stepCost,
    seconds: optional(finite), // later: files saved before have none
  }),
  eval: objectOf({ event: text(), epoch: count, step, testAccuracy: finite, testLoss: finite, images: count }),
  epoch: objectOf({ event: text(), epoch: count, step, trainLoss: finite, trainAccuracy: finite, testAccuracy: finite, seconds: finite }),
  prune: objectOf({ event: text(), step, targetSparsity: finite, layers: recordOf(finite) }),
  weights: objectOf({ event: text(), step, layers: arrayOf(weightHistogram, 200) }),
  stats: objectOf({ event: text(), step, layers: arrayOf(layerStats, 200) }),
  // `from`: absent in checkpoints saved before the wasm backend (then it was WebGPU).
  backend: objectOf({ event: text(), backend: oneOf('cpu', 'wasm', 'webgpu'), from: optional(oneOf('cpu', 'wasm', 'webgpu')), reason: text(2000), step }),
});
