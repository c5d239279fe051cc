/**
 * Accuracy smoke test on real CIFAR-10: preset tiny learns well above chance (10%) in one short epoch.
 * Needs the data set, installed by `npm run data` or the shared copy beside the project.
 */
import { describe, expect, it } from 'vitest';
import { takeImages } from '../../engine/data/cifar10';
import { PRESETS } from '../../engine/model/spec';
import { Trainer } from '../../engine/train/trainer';
import { findTestData, loadCifar10 } from '../../scripts/lib/cifar10Files';

const dataPath = findTestData();

describe('accuracy smoke test', () => {
  it.skipIf(!dataPath)('tiny, 1 epoch on 2,000 training images, beats 25% on 1,000 test images', async () => {
    const data = await loadCifar10(dataPath!, 1);
    const trainer = new Trainer(
      { spec: PRESETS.tiny, epochs: 1, batchSize: 32, optimizer: { type: 'adam', lr: 0.001 }, seed: 1, augment: false },
      takeImages(data.train, 2000),
      takeImages(data.test, 1000),
    );
    const done = await trainer.run(() => {});
    expect(done.epochs).toBe(1);
    expect(done.testAccuracy).toBeGreaterThan(0.25);
  });
});
