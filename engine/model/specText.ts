/**
 * Models as text, one layer per line, for the training lab's spec editor:
 *
 *   input 3x32x32
 *   conv 32 3x3 pad 1        (output channels, kernel, optional pad and stride; input channels follow)
 *   relu
 *   maxpool 2                (window, optional stride; stride defaults to the window)
 *   flatten
 *   linear 10                (output features; input features follow)
 *
 * Channels and features are inferred from the layer before, so a learner only writes what they choose.
 * Errors name the line and say what was expected.
 */
import { layerOutputShape, layerParameterCount, LayerSpec, ModelSpec, ModelSpecError, validateModelSpec } from './spec';
import { engineCount, engineText } from '../text/engineText';
import type { EngineTextKey } from '../text/en';

/** Above this a model would train too slowly to be any fun in a browser tab. */
export const MAX_SPEC_PARAMETERS = 5_000_000;
/** Values all layers output for one picture (the seed model: 114,954); a batch holds this many per image. */
export const MAX_SPEC_ACTIVATIONS = 2_000_000;
/** The pictures the app trains on: CIFAR-10's channels, height and width. */
const CIFAR_INPUT = [3, 32, 32];

const SIZE = /^(\d+)(?:[x×](\d+))?$/;

function parseSize(token: string | undefined, what: EngineTextKey, line: number): number {
  const m = token ? SIZE.exec(token) : null;
  if (!m || (m[2] !== undefined && m[2] !== m[1])) throw new ModelSpecError(engineText('spec.size', { line, what: engineText(what), token: token ?? '' }));
  return Number(m[1]);
}

/** Reads `key value` pairs after a layer's positional arguments. */
function options(tokens: string[], allowed: string[], line: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < tokens.length; i += 2) {
    const key = tokens[i];
    if (!allowed.includes(key)) throw new ModelSpecError(engineText('spec.unknownOption', { line, key, allowed: allowed.join(', ') }));
    const value = Number(tokens[i + 1]);
    if (tokens[i + 1] === undefined || !Number.isInteger(value) || value < 0) throw new ModelSpecError(engineText('spec.optionNumber', { line, key }));
    out[key] = value;
  }
  return out;
}

/** Parses a model written as text; `classes` is what the last layer must output. */
export function parseModelSpec(text: string, classes = 10): ModelSpec {
  const lines = text.split('\n').map((raw, i) => ({ n: i + 1, tokens: raw.replace(/#.*/, '').trim().toLowerCase().split(/\s+/).filter(Boolean) }));
  const body = lines.filter((l) => l.tokens.length > 0);
  if (body.length === 0) throw new ModelSpecError(engineText('spec.empty'));
  const first = body[0];
  const input = first.tokens[0] === 'input' ? /^(\d+)[x×](\d+)[x×](\d+)$/.exec(first.tokens[1] ?? '') : null;
  if (!input) throw new ModelSpecError(engineText('spec.firstLine', { line: first.n }));
  const inputShape: [number, number, number] = [Number(input[1]), Number(input[2]), Number(input[3])];
  let shape: number[] = [...inputShape];
  const layers: LayerSpec[] = [];
  let parameters = 0;
  for (const { n, tokens } of body.slice(1)) {
    const [kind, ...args] = tokens;
    let layer: LayerSpec;
    switch (kind) {
      case 'conv': {
        if (shape.length !== 3) throw new ModelSpecError(engineText('spec.convAfterFlatten', { line: n }));
        const outChannels = parseSize(args[0], 'spec.outChannels', n);
        const kernelSize = parseSize(args[1], 'spec.kernelSize', n);
        const o = options(args.slice(2), ['pad', 'stride'], n);
        layer = {
          type: 'conv2d',
          inChannels: shape[0],
          outChannels,
          kernelSize,
          ...(o.pad !== undefined ? { padding: o.pad } : {}),
          ...(o.stride !== undefined ? { stride: o.stride } : {}),
        };
        parameters += layerParameterCount(layer);
        if (!(outChannels >= 1 && kernelSize >= 1 && (o.stride ?? 1) >= 1)) throw new ModelSpecError(engineText('spec.convAtLeastOne', { line: n }));
        const out = layerOutputShape(layer, shape);
        if (out[1] < 1 || out[2] < 1) throw new ModelSpecError(engineText('spec.kernelTooBig', { line: n, k: kernelSize, h: shape[1], w: shape[2] }));
        shape = out;
        break;
      }
      case 'relu':
        if (args.length) throw new ModelSpecError(engineText('spec.noArguments', { line: n, layer: 'relu' }));
        layer = { type: 'relu' };
        break;
      case 'maxpool': {
        if (shape.length !== 3) throw new ModelSpecError(engineText('spec.poolAfterFlatten', { line: n }));
        const kernelSize = parseSize(args[0], 'spec.windowSize', n);
        const o = options(args.slice(1), ['stride'], n);
        const stride = o.stride ?? kernelSize;
        if (!(kernelSize >= 1 && stride >= 1)) throw new ModelSpecError(engineText('spec.poolAtLeastOne', { line: n }));
        layer = { type: 'maxPool2d', kernelSize, ...(o.stride !== undefined ? { stride } : {}) };
        const out = layerOutputShape(layer, shape);
        if (out[1] < 1 || out[2] < 1) throw new ModelSpecError(engineText('spec.windowTooBig', { line: n, k: kernelSize, h: shape[1], w: shape[2] }));
        shape = out;
        break;
      }
      case 'flatten':
        if (args.length) throw new ModelSpecError(engineText('spec.noArguments', { line: n, layer: 'flatten' }));
        layer = { type: 'flatten' };
        shape = layerOutputShape(layer, shape);
        break;
      case 'linear': {
        if (shape.length !== 1) throw new ModelSpecError(engineText('spec.linearNeedsFlat', { line: n }));
        const outFeatures = parseSize(args[0], 'spec.outputs', n);
        if (args.length > 1) throw new ModelSpecError(engineText('spec.linearOneNumber', { line: n }));
        if (outFeatures < 1) throw new ModelSpecError(engineText('spec.linearAtLeastOne', { line: n }));
        layer = { type: 'linear', inFeatures: shape[0], outFeatures };
        parameters += layerParameterCount(layer);
        shape = layerOutputShape(layer, shape);
        break;
      }
      case 'input':
        throw new ModelSpecError(engineText('spec.inputFirstOnly', { line: n }));
      default:
        throw new ModelSpecError(engineText('spec.unknownLayer', { line: n, kind }));
    }
    layers.push(layer);
  }
  if (layers.length === 0) throw new ModelSpecError(engineText('spec.noLayers'));
  if (parameters > MAX_SPEC_PARAMETERS) {
    throw new ModelSpecError(engineText('spec.tooBig', { params: engineCount(parameters), max: engineCount(MAX_SPEC_PARAMETERS) }));
  }
  if (shape.length !== 1 || shape[0] !== classes) {
    throw new ModelSpecError(engineText('spec.lastLayer', { classes, shape: shape.join(', ') }));
  }
  const spec = { inputShape, layers };
  checkTrainableSpec(spec, classes);
  return spec;
}

/**
 * Checks that a spec from anywhere — the editor, a link, a checkpoint file — is one this app can train on
 * CIFAR-10 in a tab: its layers fit together, it reads 3×32×32 pictures, ends in the class scores, and its
 * parameters and activations stay small enough not to exhaust the tab's memory. Throws ModelSpecError.
 */
export function checkTrainableSpec(spec: ModelSpec, classes = 10): void {
  const shapes = validateModelSpec(spec);
  if (spec.inputShape.join('x') !== CIFAR_INPUT.join('x')) {
    throw new ModelSpecError(engineText('spec.inputShape', { shape: spec.inputShape.join('x'), expected: CIFAR_INPUT.join('x') }));
  }
  const parameters = spec.layers.reduce((sum, l) => sum + layerParameterCount(l), 0);
  if (parameters > MAX_SPEC_PARAMETERS) {
    throw new ModelSpecError(engineText('spec.tooBig', { params: engineCount(parameters), max: engineCount(MAX_SPEC_PARAMETERS) }));
  }
  const activations = shapes.reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  if (activations > MAX_SPEC_ACTIVATIONS) {
    throw new ModelSpecError(engineText('spec.tooManyActivations', { values: engineCount(activations), max: engineCount(MAX_SPEC_ACTIVATIONS) }));
  }
  const last = shapes[shapes.length - 1];
  if (last.length !== 1 || last[0] !== classes) throw new ModelSpecError(engineText('spec.lastLayer', { classes, shape: last.join(', ') }));
}

/** The text form of a spec (what the editor starts from when a preset is chosen). */
export function formatModelSpec(spec: ModelSpec): string {
  const lines = [`input ${spec.inputShape.join('x')}`];
  for (const l of spec.layers) {
    if (l.type === 'conv2d')
      lines.push(
        `conv ${l.outChannels} ${l.kernelSize}x${l.kernelSize}${l.padding ? ` pad ${l.padding}` : ''}${(l.stride ?? 1) !== 1 ? ` stride ${l.stride}` : ''}`,
      );
    else if (l.type === 'maxPool2d') lines.push(`maxpool ${l.kernelSize}${l.stride !== undefined && l.stride !== l.kernelSize ? ` stride ${l.stride}` : ''}`);
    else if (l.type === 'linear') lines.push(`linear ${l.outFeatures}`);
    else lines.push(l.type);
  }
  return lines.join('\n');
}
