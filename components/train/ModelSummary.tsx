/**
 * The chosen model, layer by layer, with each layer's output shape and parameter count: the shapes come from
 * the engine's spec validation (no tensors are computed).
 */
import { layerNames, LayerSpec, ModelSpec, validateModelSpec } from '../../engine/model/spec';

function describe(layer: LayerSpec): string {
  switch (layer.type) {
    case 'conv2d':
      return `conv ${layer.inChannels}→${layer.outChannels}, ${layer.kernelSize}×${layer.kernelSize}${layer.padding ? `, padding ${layer.padding}` : ''}${(layer.stride ?? 1) > 1 ? `, stride ${layer.stride}` : ''}`;
    case 'relu':
      return 'ReLU';
    case 'maxPool2d':
      return `max-pool ${layer.kernelSize}×${layer.kernelSize}`;
    case 'flatten':
      return 'flatten';
    case 'linear':
      return `fully connected ${layer.inFeatures}→${layer.outFeatures}`;
  }
}

function paramCount(layer: LayerSpec): number {
  if (layer.type === 'conv2d') return layer.outChannels * (layer.inChannels * layer.kernelSize * layer.kernelSize + 1);
  if (layer.type === 'linear') return layer.outFeatures * (layer.inFeatures + 1);
  return 0;
}

export function ModelSummary({ name, spec }: { name: string; spec: ModelSpec }) {
  const shapes = validateModelSpec(spec);
  const names = layerNames(spec);
  const total = spec.layers.reduce((s, l) => s + paramCount(l), 0);
  return (
    <details className="model-summary">
      <summary>
        Model <strong>{name}</strong>: {spec.layers.length} layers, {total.toLocaleString('en-US')} parameters
      </summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">What it does</th>
            <th scope="col">Output</th>
            <th scope="col">Parameters</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>input</td>
            <td>a CIFAR-10 image, normalised per channel</td>
            <td>{spec.inputShape.join('×')}</td>
            <td />
          </tr>
          {spec.layers.map((layer, i) => (
            <tr key={names[i]}>
              <td>{names[i]}</td>
              <td>{describe(layer)}</td>
              <td>{shapes[i].join('×')}</td>
              <td>{paramCount(layer) ? paramCount(layer).toLocaleString('en-US') : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
