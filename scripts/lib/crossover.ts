/**
 * The crossovers that `npm run bench` measured on this machine, per CPU backend, kept for `--policy auto`
 * (bench-results/ is gitignored: a measurement belongs to the machine that made it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './cifar10Files';

export const CROSSOVER_FILE = path.join(PROJECT_ROOT, 'bench-results', 'crossover.json');

/** `auto`'s two numbers: the density product, and the weight density for the weight-sparse kernels (null: not measured). */
export interface MeasuredCrossovers {
  crossover: number;
  weightCrossover: number | null;
}

/** `byBackend`: the bench rows' backend names (js, wasm) to their crossovers. */
export function saveCrossover(byBackend: Record<string, MeasuredCrossovers>): void {
  mkdirSync(path.dirname(CROSSOVER_FILE), { recursive: true });
  writeFileSync(CROSSOVER_FILE, JSON.stringify({ byBackend, measuredAt: new Date().toISOString(), cpu: os.cpus()[0]?.model ?? 'unknown' }, null, 2));
}

const density = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;

/** What was measured for a backend (js, wasm), or null when nothing was (or the file is unreadable). */
export function loadCrossover(backend: string): MeasuredCrossovers | null {
  if (!existsSync(CROSSOVER_FILE)) return null;
  try {
    const value = JSON.parse(readFileSync(CROSSOVER_FILE, 'utf8')).byBackend?.[backend];
    if (!value || !density(value.crossover)) return null;
    return { crossover: value.crossover, weightCrossover: density(value.weightCrossover) ? value.weightCrossover : null };
  } catch {
    return null;
  }
}
