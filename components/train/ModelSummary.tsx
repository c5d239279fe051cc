/**
 * The chosen model, layer by layer, with each layer's output shape and parameter count: the shapes come from
 * the engine's spec validation (no tensors are computed).
 */
import { layerNames, layerParameterCount, LayerSpec, ModelSpec, validateModelSpec } from '../../engine/model/spec';
import { fill, useMessages, useNumberFormat } from '../../i18n/locale';
import type { Messages } from '../../i18n/messages/en';
import { fillNodes } from '../../i18n/RichText';

function describe(layer: LayerSpec, m: Messages['lab']['model']): string {
  switch (layer.type) {
    case 'conv2d':
      return (
        fill(m.conv, { in: layer.inChannels, out: layer.outChannels, k: layer.kernelSize }) +
        (layer.padding ? fill(m.padding, { n: layer.padding }) : '') +
        ((layer.stride ?? 1) > 1 ? fill(m.stride, { n: layer.stride ?? 1 }) : '')
      );
    case 'relu':
      return m.relu;
    case 'maxPool2d':
      return fill(m.pool, { k: layer.kernelSize });
    case 'flatten':
      return m.flatten;
    case 'linear':
      return fill(m.linear, { in: layer.inFeatures, out: layer.outFeatures });
  }
}

export function ModelSummary({ name, spec }: { name: string; spec: ModelSpec }) {
  const m = useMessages().lab.model;
  const format = useNumberFormat();
  const shapes = validateModelSpec(spec);
  const names = layerNames(spec);
  const total = spec.layers.reduce((s, l) => s + layerParameterCount(l), 0);
  return (
    <details className="model-summary">
      <summary>{fillNodes(m.summary, { name: <strong>{name}</strong>, layers: spec.layers.length, params: format.number(total) })}</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">{m.layer}</th>
            <th scope="col">{m.does}</th>
            <th scope="col">{m.output}</th>
            <th scope="col">{m.parameters}</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>input</td>
            <td>{m.input}</td>
            <td>{spec.inputShape.join('×')}</td>
            <td />
          </tr>
          {spec.layers.map((layer, i) => (
            <tr key={names[i]}>
              <td>{names[i]}</td>
              <td>{describe(layer, m)}</td>
              <td>{shapes[i].join('×')}</td>
              <td>{layerParameterCount(layer) ? format.number(layerParameterCount(layer)) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
