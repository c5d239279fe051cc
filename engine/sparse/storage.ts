/**
 * What storing only the nonzeros of a weight tensor costs, three ways: dense float32; this engine's
 * compressed weights (a value and an output-channel index per nonzero, and an offset per (input channel,
 * tap) group — see compressed.ts); and a bitmap (one bit per entry, then the nonzero values). Index
 * overhead is why fewer nonzeros is not yet fewer bytes, or less time.
 */
import { storageBytes } from './compressed';

export interface StorageBytes {
  density: number;
  dense: number;
  compressed: number;
  bitmap: number;
}

/** The three byte counts of a [K, C, R, S] weight tensor with `nonzeros` nonzero entries. */
export function weightStorage(shape: readonly number[], nonzeros: number): StorageBytes {
  const size = shape.reduce((a, b) => a * b, 1);
  if (!(Number.isInteger(nonzeros) && nonzeros >= 0 && nonzeros <= size))
    throw new RangeError(`nonzeros must be a whole number from 0 to ${size}, got ${nonzeros}`);
  const { dense, compressed } = storageBytes('weights', shape, nonzeros);
  return { density: nonzeros / size, dense, compressed, bitmap: Math.ceil(size / 8) + 4 * nonzeros };
}

/**
 * The byte counts at `points` densities from 1/points to 1, and the break-even densities: the largest
 * density at which each compressed format is still no larger than dense.
 */
export function weightStorageCurve(shape: readonly number[], points = 50): { curve: StorageBytes[]; breakEven: { compressed: number; bitmap: number } } {
  const size = shape.reduce((a, b) => a * b, 1);
  const curve = Array.from({ length: points }, (_, i) => weightStorage(shape, Math.round((size * (i + 1)) / points)));
  const dense = 4 * size;
  // Both formats grow by a fixed number of bytes per nonzero: solve fixed + perNonzero · n ≤ dense for n.
  const evenAt = (fixed: number, perNonzero: number) => Math.min(size, Math.max(0, Math.floor((dense - fixed) / perNonzero))) / size;
  const groupsBytes = weightStorage(shape, 0).compressed;
  return { curve, breakEven: { compressed: evenAt(groupsBytes, 8), bitmap: evenAt(Math.ceil(size / 8), 4) } };
}
