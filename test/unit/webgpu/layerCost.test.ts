/** Per-layer WebGPU times for the cost lab come from timestamp queries on a real device. */
import { describe, expect, it } from 'vitest';
import { WebGpuBackend } from '../../../engine/backend/webgpu/webgpuBackend';
import { addBackendTimes, measureLayerCosts } from '../../../engine/cost/layerCost';
import { Model } from '../../../engine/model/model';
import { PRESETS } from '../../../engine/model/spec';
import { magnitudeMasks, prunableParams } from '../../../engine/sparse/pruning';
import { randomTensor } from '../helpers';
import { testGpu } from './testGpu';

describe('WebGPU per-layer times', () => {
  it('every layer of a pruned tiny model gets a forward and backward GPU time (flatten: none to take)', async () => {
    const gpu = await testGpu();
    const model = new Model(PRESETS.tiny, 2);
    model.setMasks(magnitudeMasks(prunableParams(model.params(), ['conv2']), 0.9));
    model.setExecutionPolicy('auto', 0.3);
    // conv2 (sparse at this crossover) runs the Cartesian product: the GPU times the same kernel, whose
    // multiplies it counts on the device — outside the timed pass.
    for (const layer of model.convLayers()) layer.cartesianBelowInputDensity = 2;
    const x = randomTensor([2, 3, 32, 32], 5);
    const report = await measureLayerCosts(model, x, [1, 7], { minMs: 0, minRepeats: 1 });
    expect(report.layers[3]).toMatchObject({ layer: 'conv2', kernel: 'sparse' });
    expect(model.convLayers()[1].report?.kernelName).toBe('cartesian');
    let done = 0;
    await addBackendTimes(new WebGpuBackend(gpu), model, report, report.trace, 2, (d) => (done = d));
    expect(done).toBe(8);
    for (const l of report.layers) {
      if (l.type === 'flatten') expect(l.forward.gpuMs).toBe(0);
      else {
        expect(l.forward.gpuMs, l.layer).toBeGreaterThan(0);
        expect(l.backward.gpuMs, l.layer).toBeGreaterThan(0);
      }
    }
  });
});
