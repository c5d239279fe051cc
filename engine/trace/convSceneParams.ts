/**
 * The step-through's settings, their defaults and their check: plain data with no engine code behind it,
 * so the page can start from the same defaults the engine uses.
 */
export interface ConvSceneParams {
  /** Side of the (square) input map, in pixels. */
  size: number;
  kernelSize: number;
  stride: number;
  padding: number;
  filters: number;
  /**
   * Input channels: 1 (the picture's brightness) or 2 (its red and its blue, each thresholded), so that the
   * rule "an input meets only the weights of its own channel" can be seen.
   */
  channels: number;
  /** Brightness in [0, 1] below which a pixel becomes 0. */
  threshold: number;
  /** Fraction of the weights pruned (smallest magnitudes first), in [0, 1). */
  pruning: number;
  mode: 'regular' | 'submanifold';
  seed: number;
}

export const DEFAULT_CONV_SCENE: ConvSceneParams = {
  size: 8,
  kernelSize: 3,
  stride: 1,
  padding: 1,
  filters: 2,
  channels: 1,
  threshold: 0.45,
  pruning: 0.5,
  mode: 'regular',
  seed: 1,
};

/** Checks the parameters; returns the first problem in words, or null. */
export function convSceneProblem(p: ConvSceneParams): string | null {
  const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(p.size, 3, 16)) return `the input size must be a whole number from 3 to 16 (got ${p.size})`;
  if (!int(p.kernelSize, 1, 5) || p.kernelSize % 2 === 0) return `the kernel size must be 1, 3 or 5 (got ${p.kernelSize})`;
  if (!int(p.stride, 1, 3)) return `the stride must be 1, 2 or 3 (got ${p.stride})`;
  if (!int(p.padding, 0, 2)) return `the padding must be 0, 1 or 2 (got ${p.padding})`;
  if (!int(p.filters, 1, 4)) return `the number of filters must be from 1 to 4 (got ${p.filters})`;
  if (!int(p.channels, 1, 2)) return `the number of input channels must be 1 or 2 (got ${p.channels})`;
  if (!(p.threshold >= 0 && p.threshold <= 1)) return `the threshold must be between 0 and 1 (got ${p.threshold})`;
  if (!(p.pruning >= 0 && p.pruning < 1)) return `pruning must be at least 0% and below 100% (got ${p.pruning})`;
  if (p.size + 2 * p.padding < p.kernelSize)
    return `a ${p.kernelSize}×${p.kernelSize} kernel does not fit a ${p.size}×${p.size} input with padding ${p.padding}`;
  if (p.mode === 'submanifold' && (p.stride !== 1 || 2 * p.padding !== p.kernelSize - 1)) {
    return `submanifold mode keeps outputs at the input's active sites: it needs stride 1 and padding ${(p.kernelSize - 1) / 2}`;
  }
  return null;
}
