/**
 * The crossover densities that `npm run bench` measured on this machine, one per CPU backend, kept for
 * `--policy auto` (bench-results/ is gitignored: a measurement belongs to the machine that made it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './cifar10Files';

export const CROSSOVER_FILE = path.join(PROJECT_ROOT, 'bench-results', 'crossover.json');

/** `byBackend`: the bench rows' backend names (js, wasm) to their crossover. */
export function saveCrossover(byBackend: Record<string, number>): void {
  mkdirSync(path.dirname(CROSSOVER_FILE), { recursive: true });
  writeFileSync(CROSSOVER_FILE, JSON.stringify({ crossover: byBackend, measuredAt: new Date().toISOString(), cpu: os.cpus()[0]?.model ?? 'unknown' }, null, 2));
}

/** The crossover measured for a backend (js, wasm), or null when none was (or the file is unreadable). */
export function loadCrossover(backend: string): number | null {
  if (!existsSync(CROSSOVER_FILE)) return null;
  try {
    const value = JSON.parse(readFileSync(CROSSOVER_FILE, 'utf8')).crossover?.[backend];
    return typeof value === 'number' && value >= 0 && value <= 1 ? value : null;
  } catch {
    return null;
  }
}
