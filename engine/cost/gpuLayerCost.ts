/**
 * Per-layer WebGPU times for the cost lab: each layer's forward and backward kernels on the batch's real
 * inputs and gradients, timed with GPU timestamp queries (medians over repeats). Conv layers use the
 * gather-sparse kernels where the training backend would (weight density at most
 * GPU_SPARSE_BELOW_WEIGHT_DENSITY), so the times are those of a WebGPU training step.
 */
import * as conv from '../backend/webgpu/conv2d';
import { reluBackward, reluForward } from '../backend/webgpu/elementwise';
import { Gpu, GpuTensor } from '../backend/webgpu/gpu';
import { GPU_SPARSE_BELOW_WEIGHT_DENSITY } from '../backend/webgpu/gpuNetwork';
import { linearBackward, linearForward } from '../backend/webgpu/linear';
import { maxPool2dBackward, maxPool2dForward } from '../backend/webgpu/maxPool2d';
import { Conv2dLayer, LinearLayer, MaxPool2dLayer } from '../model/layers';
import { Model } from '../model/model';
import { BatchTrace, LayerCostReport } from './layerCost';
import { measureMedianAsync } from './measure';

type Outputs = (GpuTensor | null | undefined)[];

/** Median GPU time of what `record` records; its outputs are freed after each repeat. */
async function time(gpu: Gpu, record: () => Outputs, repeats: number): Promise<number> {
  const m = await measureMedianAsync(async () => {
    let outputs: Outputs = [];
    const { ms } = await gpu.measure(() => (outputs = record()));
    for (const t of outputs) t?.destroy();
    return ms;
  }, repeats);
  return m.medianMs;
}

/** Fills in `gpuMs` of every layer of a CPU cost report (same model, same batch trace). */
export async function addGpuTimes(
  gpu: Gpu,
  model: Model,
  report: LayerCostReport,
  trace: BatchTrace,
  repeats: number,
  onLayer: (done: number, total: number) => void = () => {},
): Promise<void> {
  const owned: GpuTensor[] = [];
  const upload = (shape: readonly number[], data: Float32Array) => {
    const t = gpu.tensor(shape, data);
    owned.push(t);
    return t;
  };
  try {
    for (let i = 0; i < model.layers.length; i++) {
      const layer = model.layers[i];
      const row = report.layers[i];
      const x = upload(trace.inputs[i].shape, trace.inputs[i].data);
      const dy = upload(trace.outputGrads[i].shape, trace.outputGrads[i].data);
      if (layer instanceof Conv2dLayer) {
        const w = upload(layer.weight.value.shape, layer.weight.value.data);
        const b = upload(layer.bias.value.shape, layer.bias.value.data);
        const density = row.weights!.nonzeros / row.weights!.count;
        const needDx = layer.needsInputGrad;
        if (density <= GPU_SPARSE_BELOW_WEIGHT_DENSITY) {
          const cw = conv.compressWeightPattern(gpu, layer.weight.value);
          try {
            row.forward.gpuMs = await time(gpu, () => [conv.sparseConv2dForward(gpu, x, w, cw, b, layer.options)], repeats);
            row.backward.gpuMs = await time(gpu, () => Object.values(conv.sparseConv2dBackward(gpu, x, w, cw, dy, layer.options, 'regular', needDx)), repeats);
          } finally {
            conv.destroyCompressed(cw);
          }
        } else {
          row.forward.gpuMs = await time(gpu, () => [conv.conv2dForward(gpu, x, w, b, layer.options)], repeats);
          row.backward.gpuMs = await time(gpu, () => Object.values(conv.conv2dBackward(gpu, x, w, dy, layer.options, needDx)), repeats);
        }
      } else if (layer instanceof LinearLayer) {
        const w = upload(layer.weight.value.shape, layer.weight.value.data);
        const b = upload(layer.bias.value.shape, layer.bias.value.data);
        row.forward.gpuMs = await time(gpu, () => [linearForward(gpu, x, w, b)], repeats);
        row.backward.gpuMs = await time(gpu, () => Object.values(linearBackward(gpu, x, w, dy, layer.needsInputGrad)), repeats);
      } else if (layer instanceof MaxPool2dLayer) {
        const { argmax, y } = maxPool2dForward(gpu, x, layer.options);
        owned.push(argmax, y);
        row.forward.gpuMs = await time(gpu, () => Object.values(maxPool2dForward(gpu, x, layer.options)), repeats);
        row.backward.gpuMs = await time(gpu, () => [maxPool2dBackward(gpu, x.shape, argmax, dy, layer.options)], repeats);
      } else if (layer.spec.type === 'relu') {
        row.forward.gpuMs = await time(gpu, () => [reluForward(gpu, x)], repeats);
        row.backward.gpuMs = await time(gpu, () => [reluBackward(gpu, x, dy)], repeats);
      } else {
        // Flatten is a reshape: no GPU work at all.
        row.forward.gpuMs = 0;
        row.backward.gpuMs = 0;
      }
      onLayer(i + 1, model.layers.length);
    }
  } finally {
    for (const t of owned) t.destroy();
  }
}
