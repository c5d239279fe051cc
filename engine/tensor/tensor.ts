/**
 * A dense tensor over Float32Array, row-major (NCHW for images).
 * Shape errors name the op and both shapes, so a wrong model spec reads as a sentence.
 */
export type Shape = readonly number[];

export class Tensor {
  readonly shape: Shape;
  readonly data: Float32Array;

  constructor(shape: Shape, data?: Float32Array) {
    const size = shapeSize(shape);
    if (data && data.length !== size) {
      throw new ShapeError(`Tensor: data has ${data.length} elements but shape [${shape.join(', ')}] needs ${size}`);
    }
    this.shape = [...shape];
    this.data = data ?? new Float32Array(size);
  }

  static zeros(shape: Shape): Tensor {
    return new Tensor(shape);
  }

  static from(shape: Shape, values: ArrayLike<number>): Tensor {
    return new Tensor(shape, Float32Array.from(values));
  }

  get size(): number {
    return this.data.length;
  }

  /** The same data seen with another shape of the same size. */
  reshape(shape: Shape): Tensor {
    if (shapeSize(shape) !== this.size) {
      throw new ShapeError(`reshape: cannot view [${this.shape.join(', ')}] as [${shape.join(', ')}]`);
    }
    return new Tensor(shape, this.data);
  }

  clone(): Tensor {
    return new Tensor(this.shape, this.data.slice());
  }
}

export class ShapeError extends Error {
  override name = 'ShapeError';
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`invalid dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Throws a ShapeError naming `op` unless `actual` has rank `rank`. */
export function expectRank(op: string, what: string, actual: Shape, rank: number): void {
  if (actual.length !== rank) {
    throw new ShapeError(`${op}: ${what} must have rank ${rank}, got shape ${formatShape(actual)}`);
  }
}

/** Throws a ShapeError naming `op` and both shapes unless they are equal. */
export function expectSameShape(op: string, a: Shape, b: Shape, aName = 'a', bName = 'b'): void {
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new ShapeError(`${op}: ${aName} ${formatShape(a)} and ${bName} ${formatShape(b)} must have the same shape`);
  }
}

/** Any n-d array: a Tensor, or a float64 array from a reference implementation. */
export interface NDArray {
  readonly shape: Shape;
  readonly data: ArrayLike<number>;
}
