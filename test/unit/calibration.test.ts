/**
 * `auto`'s crossover measured on this machine per backend: a short sweep within its time budget, kept by
 * the store and measured once per session, again only when asked.
 */
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../../engine/backend/backend';
import { cpuBackend } from '../../engine/backend/cpu/cpuBackend';
import { calibrateCrossover, CALIBRATION_SWEEP, CrossoverCalibration, CrossoverMeasurement } from '../../engine/cost/calibration';
import { createWasmBackend } from '../../scripts/lib/wasmKernels';

describe('crossover calibration', () => {
  it('measures within its budget on wasm, the grid point by point, and says how many it reached', async () => {
    const backend = await createWasmBackend();
    const m = await calibrateCrossover(backend, 2000);
    expect(m.backend).toBe('wasm');
    expect(m.crossover).toBeGreaterThanOrEqual(0);
    expect(m.crossover).toBeLessThanOrEqual(1);
    expect(m.weightCrossover).toBeGreaterThanOrEqual(0);
    expect(m.weightCrossover).toBeLessThanOrEqual(1);
    expect(m.points).toBeGreaterThan(0);
    expect(m.points).toBeLessThanOrEqual(CALIBRATION_SWEEP.inputDensities.length * CALIBRATION_SWEEP.weightDensities.length);
    // The budget stops the sweep between points: one point past it at most (a few hundred ms here).
    expect(m.ms).toBeLessThan(4000);
    // No time at all: nothing measured, so `auto` stays dense.
    const stopped = await calibrateCrossover(backend, 0);
    expect(stopped).toMatchObject({ points: 0, crossover: 0 });
  });

  it('measures once per session, keeps it in the store, and again only when asked', async () => {
    const saved = new Map<BackendName, CrossoverMeasurement>();
    const store = { load: async (b: BackendName) => saved.get(b) ?? null, save: async (m: CrossoverMeasurement) => void saved.set(m.backend, m) };
    const calibration = new CrossoverCalibration(store, 0);
    const backend = cpuBackend as unknown as Parameters<CrossoverCalibration['crossoverFor']>[0];
    expect(await calibration.known('cpu')).toBeNull();
    const first = await calibration.crossoverFor(backend);
    expect(saved.get('cpu')).toEqual(first);
    expect(await calibration.crossoverFor(backend)).toBe(first); // not measured again
    // A new session finds it in the store.
    expect(await new CrossoverCalibration(store, 0).crossoverFor(backend)).toEqual(first);
    const again = await calibration.crossoverFor(backend, true);
    expect(again.measuredAt >= first.measuredAt).toBe(true);
    expect(again).not.toBe(first);
    expect(await calibration.known('cpu')).toEqual(again);
  });
});
