/**
 * The training lab's settings from a link or the keyboard: whatever a URL or a learner types, Start either
 * names the problem, or the run configuration it builds is one the engine accepts — no NaN, no infinity, no
 * model the tab cannot hold gets through.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveSpec, trainerConfig } from '../../engine/train/session';
import { validateTrainConfig } from '../../engine/train/trainer';
import { en } from '../../i18n/messages/en';
import { runConfig, settingsFromQuery, settingsQuery, validateSettings } from '../../components/train/trainSettings';
import { DEFAULT_SETTINGS, Settings } from '../../components/train/trainStore';
import { integerIn, numberIn, oneOf } from '../../components/ui/urlState';

const number = fc.oneof(
  fc.constantFrom('', ' ', 'NaN', 'Infinity', '-Infinity', '1e309', '-0', '0', '1e-300', '0x10', '1_000', '١', '∞', '0.001', '32', '513', '2.5', '-1'),
  fc.double().map(String),
  fc.integer().map(String),
  fc.string({ maxLength: 12 }),
);
const modelText = fc.oneof(
  fc.constantFrom(
    '',
    'input 3x32x32\nflatten\nlinear 10',
    'input 3x32x32\nconv 9999 31x31 pad 15\nflatten\nlinear 10',
    'input 3x32x32\nconv 8 3x3\nrelu\nmaxpool 99',
    '\u0000',
  ),
  fc
    .array(
      fc.constantFrom('input 3x32x32', 'conv 8 3x3 pad 1', 'conv 0 3x3', 'relu', 'maxpool 2', 'flatten', 'linear 10', 'linear 1e9', 'input 1x1x1', 'bogus'),
      { maxLength: 8 },
    )
    .map((l) => l.join('\n')),
  fc.string({ maxLength: 80 }),
);
/** A link's query: each lab key absent, plausible or junk. */
const query = fc
  .record(
    {
      'lab.model': fc.constantFrom('tiny', 'seed', 'custom', 'constructor', '__proto__', ''),
      'lab.layers': modelText,
      'lab.lr': number,
      'lab.batch': number,
      'lab.optimizer': fc.constantFrom('adam', 'sgd', 'lion'),
      'lab.augment': fc.constantFrom('true', 'false', 'yes'),
      'lab.seed': number,
      'lab.backend': fc.constantFrom('cpu', 'webgpu', 'tpu'),
      'lab.prune': fc.constantFrom('0', '0.5', '0.9', '0.95', '1', 'NaN'),
      'lab.pruneFrom': number,
      'lab.pruneTo': number,
      'lab.compare': fc.constantFrom('true', 'false', '1'),
      'lab.trainImages': fc.constantFrom('10000', '50000', '60000', ''),
      'lab.testImages': fc.constantFrom('500', '10000', '1e9'),
    },
    { requiredKeys: [] },
  )
  .map((entries) => new URLSearchParams(entries as Record<string, string>));

describe('training settings from a link', () => {
  it('either name their problem or give a configuration the engine accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(query, (q) => {
        const settings: Settings = { ...DEFAULT_SETTINGS, workers: 1, ...settingsFromQuery(q) };
        const problem = validateSettings(settings, en.lab.problems);
        if (problem !== null) {
          expect(problem.length).toBeGreaterThan(0);
          return;
        }
        accepted++;
        for (const id of ['a', 'b'] as const) {
          const config = runConfig(settings, id, 1000);
          const spec = resolveSpec(config); // throws for a model the engine will not build
          expect(() => validateTrainConfig(trainerConfig(config, spec))).not.toThrow();
          for (const v of [
            config.batchSize,
            config.learningRate,
            config.seed,
            config.pruning?.to ?? 0,
            config.pruning?.startEpoch ?? 0,
            config.pruning?.endEpoch ?? 0,
          ]) {
            expect(Number.isFinite(v)).toBe(true);
          }
        }
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(20); // the property reached the accepting side, not only refusals
  });

  it('a link written from settings reads back as the same settings', () => {
    const settings = fc.record({
      preset: fc.constantFrom('tiny', 'seed', 'custom'),
      specText: modelText,
      learningRate: fc.constantFrom('0.001', '0.01', '3e-4'),
      batchSize: fc.constantFrom('32', '64', '8'),
      optimizer: fc.constantFrom('adam', 'sgd'),
      augment: fc.boolean(),
      seed: fc.constantFrom('1', '7', '12345'),
      backend: fc.constantFrom('wasm', 'cpu', 'webgpu'),
      pruneTo: fc.constantFrom('0', '0.5', '0.8', '0.9', '0.95'),
      pruneStart: fc.constantFrom('1', '0', '2.5'),
      pruneEnd: fc.constantFrom('5', '3', '10'),
      compare: fc.boolean(),
      trainSet: fc.constantFrom('10000', '50000'),
      testSet: fc.constantFrom('500', '10000'),
    });
    fc.assert(
      fc.property(settings, (typed) => {
        const s = { ...DEFAULT_SETTINGS, ...typed } as Settings;
        const written = Object.entries(settingsQuery(s)).filter((e): e is [string, string] => e[1] !== null);
        const read = { ...DEFAULT_SETTINGS, ...settingsFromQuery(new URLSearchParams(written)) };
        expect(read).toEqual(s.preset === 'custom' ? s : { ...s, specText: DEFAULT_SETTINGS.specText });
      }),
      { numRuns: 300 },
    );
  });

  it('a link with nothing usable gives the defaults', () => {
    expect(settingsFromQuery(new URLSearchParams('lab.model=__proto__&lab.optimizer=lion&lab.augment=yes'))).toEqual({});
  });
});

describe('the figures’ URL parsers', () => {
  it('give a value in range or nothing, for any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double().map(String), fc.constantFrom('1e999', 'NaN', ' 3', '0x1f', '-0')), (raw) => {
        const i = integerIn(1, 9)(raw);
        if (i !== null) expect(Number.isInteger(i) && i >= 1 && i <= 9).toBe(true);
        const n = numberIn(0, 1)(raw);
        if (n !== null) expect(Number.isFinite(n) && n >= 0 && n <= 1).toBe(true);
        const o = oneOf('a', 'b')(raw);
        if (o !== null) expect(['a', 'b']).toContain(o);
      }),
      { numRuns: 2000 },
    );
  });
});
