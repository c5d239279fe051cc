/**
 * How many of a network's multiplies meet a zero, on one input: for each convolution and linear layer, the
 * forward multiply–accumulates a dense kernel does, and the pairs of a nonzero input and a nonzero weight
 * (|Ω|) — everything else multiplies by zero. Counted exactly by the layers themselves (conv) and
 * `linearCounts` (linear), on the CPU.
 */
import { Conv2dLayer, LinearLayer } from '../model/layers';
import { Model } from '../model/model';
import { Tensor } from '../tensor/tensor';
import { linearCounts } from './layerCost';

export interface CensusLayer {
  layer: string;
  type: 'conv2d' | 'linear';
  /** Share of nonzero entries in the layer's input and in its weights. */
  inputDensity: number;
  weightDensity: number;
  /** Forward multiply–accumulates of a dense kernel (padding taps included for convolutions). */
  denseMacs: number;
  /** Of those, the pairs of a nonzero input and a nonzero weight: the only ones that change the result. */
  omegaMacs: number;
}

export interface ZeroCensus {
  layers: CensusLayer[];
  denseMacs: number;
  omegaMacs: number;
}

function density(values: Float32Array): number {
  let nonzeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nonzeros++;
  return values.length ? nonzeros / values.length : 0;
}

/** One forward pass of `x` (a batch, usually of one image) through `model`, counting as it goes. */
export function zeroCensus(model: Model, x: Tensor): ZeroCensus {
  const layers: CensusLayer[] = [];
  let out = x;
  for (const layer of model.layers) {
    const input = out;
    out = layer.forward(input);
    if (layer instanceof Conv2dLayer && layer.report) {
      const r = layer.report;
      layers.push({
        layer: layer.name,
        type: 'conv2d',
        inputDensity: r.inputDensity,
        weightDensity: r.weightDensity,
        denseMacs: r.forward.denseMacs,
        omegaMacs: r.forward.idealMacs,
      });
    } else if (layer instanceof LinearLayer) {
      const w = layer.weight.value;
      const counts = linearCounts(input, w, new Tensor(out.shape), false);
      layers.push({
        layer: layer.name,
        type: 'linear',
        inputDensity: density(input.data),
        weightDensity: density(w.data),
        denseMacs: counts.forward.denseMacs,
        omegaMacs: counts.forward.idealMacs,
      });
    }
  }
  return {
    layers,
    denseMacs: layers.reduce((s, l) => s + l.denseMacs, 0),
    omegaMacs: layers.reduce((s, l) => s + l.omegaMacs, 0),
  };
}
