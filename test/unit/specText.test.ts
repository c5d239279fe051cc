import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../engine/model/spec';
import { formatModelSpec, parseModelSpec } from '../../engine/model/specText';

describe('models as text', () => {
  it('round-trips both presets', () => {
    for (const spec of Object.values(PRESETS)) expect(parseModelSpec(formatModelSpec(spec))).toEqual(spec);
  });

  it('infers channels and features, and reads strides and comments', () => {
    const spec = parseModelSpec('input 3x32x32\nconv 4 5x5 stride 2 pad 2  # 16×16\nrelu\nmaxpool 3 stride 2\nflatten\nlinear 10');
    expect(spec.layers[0]).toEqual({ type: 'conv2d', inChannels: 3, outChannels: 4, kernelSize: 5, padding: 2, stride: 2 });
    expect(spec.layers[4]).toEqual({ type: 'linear', inFeatures: 4 * 7 * 7, outFeatures: 10 });
  });

  it.each([
    ['', 'the model is empty'],
    ['conv 8 3x3', 'line 1: the first line must be the input shape'],
    ['input 3x32x32\nconv eight 3x3\nflatten\nlinear 10', 'line 2: conv: the number of output channels must be a whole number'],
    ['input 3x32x32\nconv 8 3x5\nflatten\nlinear 10', 'line 2: conv: the kernel size must be a whole number or a square'],
    ['input 3x32x32\nconv 8 3x3 padding 1\nflatten\nlinear 10', 'line 2: unknown option "padding" (this layer takes pad, stride)'],
    ['input 3x32x32\nconv 8 40x40\nflatten\nlinear 10', 'line 2: a 40×40 kernel does not fit the 32×32 input here'],
    ['input 3x32x32\nconv 8 3x3\nlinear 10', 'line 3: linear needs a flat input — add a "flatten" line before it'],
    ['input 3x32x32\nsoftmax', 'line 2: unknown layer "softmax"'],
    ['input 3x32x32\nflatten\nlinear 5', 'the last layer must output the 10 class scores'],
    ['input 3x32x32\nflatten\nlinear 4096\nlinear 10', 'the model has 12,627,978 parameters; keep it under 5,000,000'],
  ])('explains %j', (text, message) => {
    expect(() => parseModelSpec(text)).toThrow(message);
  });
});
