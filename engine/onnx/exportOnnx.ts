/**
 * Exports a trained model as ONNX (opset 13), the format the source article points to for deploying to
 * TF Lite and TensorRT. The graph takes raw pixels (0–255, float, NCHW) and normalises them itself, so a
 * deployed model needs no preprocessing code; it outputs the logits and the class probabilities.
 *
 * Pruned weights are stored as zeros in dense initializers: every ONNX runtime reads those, and the zeros
 * compress well; runtimes with sparse kernels (XNNPACK, TensorRT's structured sparsity) find them there.
 */
import { CIFAR10_MEAN, CIFAR10_STD } from '../data/batch';
import { ModelWeights } from '../model/model';
import { layerNames, ModelSpec, validateModelSpec } from '../model/spec';
import { ProtoWriter } from './protobuf';

/** ONNX's version numbers this file is written against. */
const IR_VERSION = 8;
const OPSET = 13;
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

export const ONNX_INPUT = 'image';
export const ONNX_OUTPUTS = ['logits', 'probabilities'] as const;

export interface OnnxExportOptions {
  /** A line for the model's doc string, e.g. how it was trained and pruned. */
  description?: string;
  producerVersion?: string;
}

function tensor(name: string, dims: number[], values: Float32Array): ProtoWriter {
  const t = new ProtoWriter();
  for (const d of dims) t.int(1, d);
  t.int(2, FLOAT).string(8, name);
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  // ONNX raw data is little-endian whatever the machine.
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return t.bytes(9, raw);
}

function valueInfo(name: string, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

type Attribute = { name: string; int: number } | { name: string; ints: number[] };

function node(opType: string, name: string, inputs: string[], outputs: string[], attributes: Attribute[] = []): ProtoWriter {
  const n = new ProtoWriter();
  for (const i of inputs) n.string(1, i);
  for (const o of outputs) n.string(2, o);
  n.string(3, name).string(4, opType);
  for (const a of attributes) {
    const attr = new ProtoWriter().string(1, a.name);
    if ('int' in a) attr.int(3, a.int).int(20, ATTRIBUTE_INT);
    else {
      for (const v of a.ints) attr.int(8, v);
      attr.int(20, ATTRIBUTE_INTS);
    }
    n.message(5, attr);
  }
  return n;
}

/** The model as ONNX bytes (a ModelProto). Throws if the weights do not fit the spec. */
export function exportOnnx(spec: ModelSpec, weights: ModelWeights, options: OnnxExportOptions = {}): Uint8Array {
  const shapes = validateModelSpec(spec);
  const names = layerNames(spec);
  const [channels, height, width] = spec.inputShape;
  const nodes: ProtoWriter[] = [];
  const initializers: ProtoWriter[] = [];
  const weight = (name: string, dims: number[]) => {
    const values = weights[name];
    const size = dims.reduce((a, b) => a * b, 1);
    if (!values) throw new Error(`ONNX export: the weights have no "${name}"`);
    if (values.length !== size) throw new Error(`ONNX export: "${name}" has ${values.length} values, the model needs ${size}`);
    initializers.push(tensor(name, dims, values));
    return name;
  };

  // Normalisation as the engine does it: (pixel / 255 − mean) / std = (pixel − 255·mean) / (255·std).
  if (channels === CIFAR10_MEAN.length) {
    initializers.push(
      tensor(
        'pixel_mean',
        [1, channels, 1, 1],
        Float32Array.from(CIFAR10_MEAN, (m) => 255 * m),
      ),
    );
    initializers.push(
      tensor(
        'pixel_std',
        [1, channels, 1, 1],
        Float32Array.from(CIFAR10_STD, (s) => 255 * s),
      ),
    );
    nodes.push(node('Sub', 'normalise_centre', [ONNX_INPUT, 'pixel_mean'], ['centred']));
    nodes.push(node('Div', 'normalise_scale', ['centred', 'pixel_std'], ['normalised']));
  } else {
    throw new Error(`ONNX export: the normalisation is defined for ${CIFAR10_MEAN.length}-channel (RGB) input, this model takes ${channels}`);
  }

  let current = 'normalised';
  spec.layers.forEach((layer, i) => {
    const name = names[i];
    const out = i === spec.layers.length - 1 ? ONNX_OUTPUTS[0] : name;
    switch (layer.type) {
      case 'conv2d': {
        const { inChannels, outChannels, kernelSize: k } = layer;
        const stride = layer.stride ?? 1;
        const padding = layer.padding ?? 0;
        const w = weight(`${name}.weight`, [outChannels, inChannels, k, k]);
        const b = weight(`${name}.bias`, [outChannels]);
        nodes.push(
          node(
            'Conv',
            name,
            [current, w, b],
            [out],
            [
              { name: 'kernel_shape', ints: [k, k] },
              { name: 'strides', ints: [stride, stride] },
              { name: 'pads', ints: [padding, padding, padding, padding] },
            ],
          ),
        );
        break;
      }
      case 'relu':
        nodes.push(node('Relu', name, [current], [out]));
        break;
      case 'maxPool2d': {
        const stride = layer.stride ?? layer.kernelSize;
        nodes.push(
          node(
            'MaxPool',
            name,
            [current],
            [out],
            [
              { name: 'kernel_shape', ints: [layer.kernelSize, layer.kernelSize] },
              { name: 'strides', ints: [stride, stride] },
            ],
          ),
        );
        break;
      }
      case 'flatten':
        nodes.push(node('Flatten', name, [current], [out], [{ name: 'axis', int: 1 }]));
        break;
      case 'linear': {
        // The engine stores a linear layer's weight as [out, in]: Gemm multiplies by its transpose.
        const w = weight(`${name}.weight`, [layer.outFeatures, layer.inFeatures]);
        const b = weight(`${name}.bias`, [layer.outFeatures]);
        nodes.push(node('Gemm', name, [current, w, b], [out], [{ name: 'transB', int: 1 }]));
        break;
      }
    }
    current = out;
  });
  nodes.push(node('Softmax', 'softmax', [ONNX_OUTPUTS[0]], [ONNX_OUTPUTS[1]], [{ name: 'axis', int: 1 }]));

  const classes = shapes[shapes.length - 1][0];
  const graph = new ProtoWriter();
  for (const n of nodes) graph.message(1, n);
  graph.string(2, 'sparse_cnn_lab');
  for (const t of initializers) graph.message(5, t);
  graph.string(10, 'Input: RGB pixels 0–255 as floats, [batch, channels, height, width]. Outputs: logits and softmax probabilities.');
  graph.message(11, valueInfo(ONNX_INPUT, ['batch', channels, height, width]));
  graph.message(12, valueInfo(ONNX_OUTPUTS[0], ['batch', classes]));
  graph.message(12, valueInfo(ONNX_OUTPUTS[1], ['batch', classes]));

  const model = new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, 'Sparse CNN Lab')
    .string(3, options.producerVersion ?? '1')
    .string(6, options.description ?? 'A CNN trained in Sparse CNN Lab.')
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').int(2, OPSET));
  return model.finish();
}
