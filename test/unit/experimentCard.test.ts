/**
 * Experiment cards: a run's card says what its events said (every epoch, the final accuracy, the speed, the
 * sparsity and the multiplies), survives its own file, and a card from anyone else is checked to the last
 * field — whatever a file holds, opening it either gives a card of the right shape or names the problem.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../../engine/data/errors';
import { CARD_FORMAT, MAX_CARD_BYTES, parseExperimentCard } from '../../engine/train/experimentCard';
import { TrainingSession } from '../../engine/train/session';
import { TrainEvent } from '../../engine/train/trainer';
import { sessionConfig, syntheticCifarArchive } from './helpers';

const device = { hardwareThreads: 8, userAgent: 'test browser', gpu: 'test adapter' };
const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

async function trainedCard() {
  const session = new TrainingSession();
  await session.loadArchive(Object.assign(syntheticCifarArchive(40), { name: 'c.tar.gz' }), 1, () => {});
  const events: TrainEvent[] = [];
  const done = await session.train(sessionConfig, (group) => events.push(...group));
  return { card: session.experimentCard('a', device), events, done };
}

describe('an experiment card', () => {
  it('says what the run reported, and reads back from its own file', async () => {
    const { card, events, done } = await trainedCard();
    const epochs = events.flatMap((e) => (e.event === 'epoch' ? [e] : []));
    const steps = events.flatMap((e) => (e.event === 'step' ? [e] : []));
    expect(card.format).toBe(CARD_FORMAT);
    expect(card.epochs.map((e) => [e.epoch, e.testAccuracy, e.trainLoss])).toEqual(epochs.map((e) => [e.epoch, e.testAccuracy, e.trainLoss]));
    expect(card.result.testAccuracy).toBe(done.testAccuracy);
    expect(card.result.steps).toBe(done.steps);
    expect(card.result.imagesPerSec).toBe(steps.at(-1)!.imagesPerSec);
    expect(card.result.macs).toEqual({ dense: steps.at(-1)!.cost.denseMacs, ideal: steps.at(-1)!.cost.idealMacs, executed: steps.at(-1)!.cost.executedMacs });
    expect(card.result.weightSparsity).toEqual(done.weightSparsity);
    expect(card.result.weightSparsity.conv2).toBeCloseTo(0.9, 2);
    expect(card.settings).toMatchObject({ optimizer: 'adam', seed: 3, batchSize: 8, trainImages: 40, testImages: 10, pruning: sessionConfig.pruning });
    expect(card.device).toEqual({ ...device, backend: 'cpu', threads: 1 });
    expect(card.model.parameters).toBe(11_642); // tiny
    expect(parseExperimentCard(encode(card), 'card.json')).toEqual(card);
  });

  it('refuses what is not a card, naming the file and the problem', async () => {
    const { card } = await trainedCard();
    const refuses = (bytes: Uint8Array, message: RegExp) => expect(() => parseExperimentCard(bytes, 'x.json')).toThrow(message);
    refuses(encode('not json {'), /^x\.json is not an experiment card: it is not JSON text$/);
    refuses(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /not JSON text/); // not UTF-8
    refuses(encode({ ...card, format: 'something-else' }), /^x\.json is not a Sparse CNN Lab experiment card$/);
    refuses(encode({ ...card, version: 2 }), /version 2/);
    refuses(new Uint8Array(MAX_CARD_BYTES + 1), /too large/);
    refuses(encode({ ...card, result: { ...card.result, testAccuracy: 1.5 } }), /field card\.result\.testAccuracy is not valid/);
    refuses(encode({ ...card, epochs: [{ ...card.epochs[0], seconds: '1' }] }), /card\.epochs\[0\]\.seconds/);
    refuses(encode(JSON.stringify(card).replace('"seed":3', '"seed":1e999')), /card\.settings\.seed/);
    refuses(encode({ ...card, extra: true }), /card\.extra/);
    refuses(encode(JSON.stringify(card).replace('"weightSparsity":{', '"weightSparsity":{"__proto__":0.5,')), /weightSparsity/);
    refuses(encode({ ...card, createdAt: 'yesterday' }), /card\.createdAt/);
    refuses(encode({ ...card, model: { ...card.model, text: 'input 3x32x32\nlinear 10' } }), /describes a model that does not fit together/);
  });

  it('opened from any bytes: a card of the right shape, or a DataFormatError naming the file', async () => {
    const { card } = await trainedCard();
    const paths: string[][] = [];
    const walk = (v: unknown, path: string[]) => {
      paths.push(path);
      if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(card, []);
    const junk = fc.oneof(fc.jsonValue(), fc.constantFrom(null, -1, 1e308, '', 'x'.repeat(5000), [], {}, NaN));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: paths.length - 1 }), junk, (i, value) => {
        const copy = structuredClone(card) as unknown as Record<string, unknown>;
        const path = paths[i];
        let at = copy;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
        at[path[path.length - 1]] = value;
        try {
          const opened = parseExperimentCard(encode(copy), 'fuzzed.json');
          expect(typeof opened.result.imagesPerSec).toBe('number');
          expect(Number.isFinite(opened.result.imagesPerSec)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(DataFormatError);
          expect((error as Error).message).toContain('fuzzed.json');
        }
      }),
      { numRuns: 1500 },
    );
  });
});
