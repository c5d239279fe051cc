/**
 * How many of a network's multiplies meet a zero, on one input: for each convolution and linear layer, the
 * forward multiply–accumulates a dense kernel does, and the pairs of a nonzero input and a nonzero weight
 * (|Ω|) — everything else multiplies by zero. Counted exactly by the layers themselves, on the CPU.
 */
import { Model } from '../model/model';
import { Tensor } from '../tensor/tensor';

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

/** One forward pass of `x` (a batch, usually of one image) through `model`, counting as it goes. */
export async function zeroCensus(model: Model, x: Tensor): Promise<ZeroCensus> {
  await model.forwardTrace(x);
  const layers: CensusLayer[] = model.weightedLayers().map((layer) => {
    const r = layer.report!;
    return {
      layer: layer.name,
      type: layer.spec.type,
      inputDensity: r.inputDensity ?? 0,
      weightDensity: r.weightDensity,
      denseMacs: r.forward.denseMacs,
      omegaMacs: r.forward.idealMacs ?? 0,
    };
  });
  return {
    layers,
    denseMacs: layers.reduce((s, l) => s + l.denseMacs, 0),
    omegaMacs: layers.reduce((s, l) => s + l.omegaMacs, 0),
  };
}
