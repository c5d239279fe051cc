/** How many gradient workers a run may use (no imports: the page reads this without loading the engine). */

/** The most gradient workers a run may ask for. */
export const MAX_WORKERS = 8;

/**
 * How many gradient workers to start by default: one per hardware thread, at most 4 — past that the shards
 * of a 32-image batch get too small to pay for the messages, and the page needs a core of its own.
 */
export function defaultWorkerCount(hardwareConcurrency: number | undefined): number {
  return Math.max(1, Math.min(4, Math.floor(hardwareConcurrency ?? 1)));
}
