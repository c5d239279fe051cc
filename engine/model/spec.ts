/**
 * A model is a JSON-able list of layers. `validateModelSpec` walks the shapes through it and explains the
 * first layer that does not fit, so a learner editing a spec by hand gets a sentence, not a stack trace.
 */
import { slidingOutputSize } from '../ops/conv2d';

export type LayerSpec =
  | { type: 'conv2d'; inChannels: number; outChannels: number; kernelSize: number; stride?: number; padding?: number }
  | { type: 'relu' }
  | { type: 'maxPool2d'; kernelSize: number; stride?: number }
  | { type: 'flatten' }
  | { type: 'linear'; inFeatures: number; outFeatures: number };

export interface ModelSpec {
  /** Input shape of one example, [channels, height, width]. */
  inputShape: [number, number, number];
  layers: LayerSpec[];
}

export type PresetName = 'tiny' | 'seed';

export const PRESETS: Record<PresetName, ModelSpec> = {
  /** Small enough to train in seconds: for tests and first steps. */
  tiny: {
    inputShape: [3, 32, 32],
    layers: [
      { type: 'conv2d', inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1 },
      { type: 'relu' },
      { type: 'maxPool2d', kernelSize: 2 },
      { type: 'conv2d', inChannels: 8, outChannels: 16, kernelSize: 3, padding: 1 },
      { type: 'relu' },
      { type: 'maxPool2d', kernelSize: 2 },
      { type: 'flatten' },
      { type: 'linear', inFeatures: 1024, outFeatures: 10 },
    ],
  },
  /** The source article's SCNN for CIFAR-10, layer for layer. */
  seed: {
    inputShape: [3, 32, 32],
    layers: [
      { type: 'conv2d', inChannels: 3, outChannels: 32, kernelSize: 3, padding: 1 },
      { type: 'relu' },
      { type: 'maxPool2d', kernelSize: 2 },
      { type: 'conv2d', inChannels: 32, outChannels: 64, kernelSize: 3, padding: 1 },
      { type: 'relu' },
      { type: 'maxPool2d', kernelSize: 2 },
      { type: 'flatten' },
      { type: 'linear', inFeatures: 4096, outFeatures: 128 },
      { type: 'relu' },
      { type: 'linear', inFeatures: 128, outFeatures: 10 },
    ],
  },
};

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}

export class ModelSpecError extends Error {
  override name = 'ModelSpecError';
}

type LayerOf<T extends LayerSpec['type']> = Extract<LayerSpec, { type: T }>;

/** What each layer type is, in one place: its name, its parameters and the shape it makes of its input. */
interface LayerDefinition<L extends LayerSpec> {
  /** conv1, fc2, …: the prefix of the layer's name. */
  prefix: string;
  /** Shapes of the weight and the bias, or null for a layer without parameters. */
  parameters(layer: L): { weight: number[]; bias: number[] } | null;
  /** The output shape of one example for an input shape the layer accepts (validateModelSpec checks that). */
  output(layer: L, input: readonly number[]): number[];
}

/**
 * The one layer-definition table: validateModelSpec, the model-text parser, the network's layers and the
 * lab's model summary all read parameter shapes, counts and output shapes from it.
 */
export const LAYER_DEFINITIONS: { [T in LayerSpec['type']]: LayerDefinition<LayerOf<T>> } = {
  conv2d: {
    prefix: 'conv',
    parameters: (l) => ({ weight: [l.outChannels, l.inChannels, l.kernelSize, l.kernelSize], bias: [l.outChannels] }),
    output: (l, [, h, w]) => [
      l.outChannels,
      slidingOutputSize(h, l.kernelSize, l.stride ?? 1, l.padding ?? 0),
      slidingOutputSize(w, l.kernelSize, l.stride ?? 1, l.padding ?? 0),
    ],
  },
  relu: { prefix: 'relu', parameters: () => null, output: (_, input) => [...input] },
  maxPool2d: {
    prefix: 'pool',
    parameters: () => null,
    output: (l, [c, h, w]) => [
      c,
      slidingOutputSize(h, l.kernelSize, l.stride ?? l.kernelSize, 0),
      slidingOutputSize(w, l.kernelSize, l.stride ?? l.kernelSize, 0),
    ],
  },
  flatten: { prefix: 'flatten', parameters: () => null, output: (_, input) => [input.reduce((a, b) => a * b, 1)] },
  linear: {
    prefix: 'fc',
    parameters: (l) => ({ weight: [l.outFeatures, l.inFeatures], bias: [l.outFeatures] }),
    output: (l) => [l.outFeatures],
  },
};

function definitionOf<L extends LayerSpec>(layer: L): LayerDefinition<L> {
  return LAYER_DEFINITIONS[layer.type] as unknown as LayerDefinition<L>;
}

/** The layer's parameter shapes (weight, bias), or null. */
export function layerParameterShapes(layer: LayerSpec): { weight: number[]; bias: number[] } | null {
  return definitionOf(layer).parameters(layer);
}

/** How many numbers the layer learns (weights and biases). */
export function layerParameterCount(layer: LayerSpec): number {
  const shapes = layerParameterShapes(layer);
  return shapes ? [shapes.weight, shapes.bias].reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0) : 0;
}

/** The layer's output shape for one example of `input` (which it must accept). */
export function layerOutputShape(layer: LayerSpec, input: readonly number[]): number[] {
  return definitionOf(layer).output(layer, input);
}

/** Short, stable layer names: conv1, conv2, fc1, … (relu, pool and flatten numbered too). */
export function layerNames(spec: ModelSpec): string[] {
  const counts: Record<string, number> = {};
  return spec.layers.map((layer) => {
    const p = LAYER_DEFINITIONS[layer.type].prefix;
    counts[p] = (counts[p] ?? 0) + 1;
    return `${p}${counts[p]}`;
  });
}

function positiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/**
 * Checks a spec and returns the output shape of every layer (per example, without the batch axis).
 * Throws ModelSpecError naming the layer and the shapes that disagree.
 */
export function validateModelSpec(spec: ModelSpec): number[][] {
  if (!spec || !Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new ModelSpecError('a model spec needs a non-empty "layers" list');
  }
  if (!Array.isArray(spec.inputShape) || spec.inputShape.length !== 3 || !spec.inputShape.every(positiveInt)) {
    throw new ModelSpecError('"inputShape" must be [channels, height, width] of positive integers');
  }
  const names = layerNames(spec);
  let shape: number[] = [...spec.inputShape];
  const shapes: number[][] = [];
  spec.layers.forEach((layer, index) => {
    const where = `layer ${index + 1} (${names[index]})`;
    const fail = (msg: string): never => {
      throw new ModelSpecError(`${where}: ${msg}`);
    };
    switch (layer.type) {
      case 'conv2d': {
        const { inChannels, outChannels, kernelSize } = layer;
        const stride = layer.stride ?? 1;
        const padding = layer.padding ?? 0;
        if (![inChannels, outChannels, kernelSize, stride].every(positiveInt) || !(Number.isInteger(padding) && padding >= 0)) {
          fail('inChannels, outChannels, kernelSize and stride must be positive integers, padding a non-negative integer');
        }
        if (shape.length !== 3) fail(`conv2d needs a [channels, height, width] input, gets [${shape.join(', ')}]`);
        if (shape[0] !== inChannels) fail(`expects ${inChannels} input channels, gets ${shape[0]} (shape [${shape.join(', ')}])`);
        const out = layerOutputShape(layer, shape);
        if (out[1] < 1 || out[2] < 1) fail(`a ${kernelSize}×${kernelSize} kernel does not fit a ${shape[1]}×${shape[2]} input`);
        shape = out;
        break;
      }
      case 'relu':
        break;
      case 'maxPool2d': {
        const stride = layer.stride ?? layer.kernelSize;
        if (![layer.kernelSize, stride].every(positiveInt)) fail('kernelSize and stride must be positive integers');
        if (shape.length !== 3) fail(`maxPool2d needs a [channels, height, width] input, gets [${shape.join(', ')}]`);
        const out = layerOutputShape(layer, shape);
        if (out[1] < 1 || out[2] < 1) fail(`a ${layer.kernelSize}×${layer.kernelSize} window does not fit a ${shape[1]}×${shape[2]} input`);
        shape = out;
        break;
      }
      case 'flatten':
        shape = layerOutputShape(layer, shape);
        break;
      case 'linear': {
        if (![layer.inFeatures, layer.outFeatures].every(positiveInt)) fail('inFeatures and outFeatures must be positive integers');
        if (shape.length !== 1) fail(`linear needs a flat input; add a flatten layer before it (gets [${shape.join(', ')}])`);
        if (shape[0] !== layer.inFeatures) fail(`expects ${layer.inFeatures} input features, gets ${shape[0]}`);
        shape = layerOutputShape(layer, shape);
        break;
      }
      default:
        fail(`unknown layer type "${(layer as { type: unknown }).type}"`);
    }
    shapes.push(shape);
  });
  if (shape.length !== 1) throw new ModelSpecError(`the last layer must output class scores [classes], gets [${shape.join(', ')}]`);
  return shapes;
}
