import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Model } from '../../engine/model/model';
import { ModelSpecError, PRESETS } from '../../engine/model/spec';
import { checkTrainableSpec, formatModelSpec, MAX_SPEC_PARAMETERS, parseModelSpec } from '../../engine/model/specText';

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

describe('a model from a link or a checkpoint', () => {
  it('must read CIFAR-10 pictures and stay small enough for a tab', () => {
    expect(() => checkTrainableSpec(PRESETS.seed)).not.toThrow();
    expect(() => parseModelSpec('input 1x28x28\nflatten\nlinear 10')).toThrow(
      'the input must be 3x32x32 (CIFAR-10 pictures: channels × height × width), not 1x28x28',
    );
    const wide = {
      inputShape: [3, 32, 32] as [number, number, number],
      layers: [
        { type: 'conv2d' as const, inChannels: 3, outChannels: 2000, kernelSize: 1 },
        { type: 'flatten' as const },
        { type: 'linear' as const, inFeatures: 2048000, outFeatures: 10 },
      ],
    };
    expect(() => checkTrainableSpec(wide)).toThrow(/parameters; keep it under 5,000,000/);
    const tall = {
      inputShape: [3, 32, 32] as [number, number, number],
      layers: [
        { type: 'conv2d' as const, inChannels: 3, outChannels: 2000, kernelSize: 1 },
        { type: 'maxPool2d' as const, kernelSize: 32 },
        { type: 'flatten' as const },
        { type: 'linear' as const, inFeatures: 2000, outFeatures: 10 },
      ],
    };
    expect(() => checkTrainableSpec(tall)).toThrow('the layers output 2,052,010 values per picture; keep it under 2,000,000 so a batch fits in a browser tab');
  });
});

describe('any model text', () => {
  it('parses to a model the engine builds, or fails with a ModelSpecError naming the problem', () => {
    const line = fc.oneof(
      fc.constantFrom('input 3x32x32', 'input 3×32×32', 'input 1x28x28', 'relu', 'flatten', 'maxpool 2', 'maxpool 3 stride 1', '# a comment', ''),
      fc
        .tuple(fc.integer({ min: -2, max: 300 }), fc.integer({ min: -1, max: 40 }), fc.integer({ min: -1, max: 20 }))
        .map(([c, k, p]) => `conv ${c} ${k}x${k} pad ${p}`),
      fc.integer({ min: -5, max: 5000 }).map((n) => `linear ${n}`),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), fc.boolean(), (lines, startWithInput) => {
        const text = (startWithInput ? ['input 3x32x32', ...lines] : lines).join('\n');
        let spec;
        try {
          spec = parseModelSpec(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ModelSpecError);
          expect((error as Error).message.length).toBeGreaterThan(0);
          return;
        }
        expect(() => checkTrainableSpec(spec)).not.toThrow();
        const model = new Model(spec, 1);
        expect(model.params().reduce((n, p) => n + p.value.size, 0)).toBeLessThanOrEqual(MAX_SPEC_PARAMETERS);
      }),
      { numRuns: 600 },
    );
  });
});
