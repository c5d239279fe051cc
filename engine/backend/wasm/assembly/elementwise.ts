/**
 * The element-wise kernels: ReLU forward and backward, masks, nonzero counting and the optimizer updates —
 * four floats a vector, the tail one at a time. `n` counts floats; pointers are byte offsets.
 */

const ZERO = f32x4.splat(0);

/** y = x where x > 0, else 0 (NaN and −0 give 0, as the TypeScript kernel). */
export function reluForward(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    const v = v128.load(x + at);
    v128.store(y + at, v128.and(v, f32x4.gt(v, ZERO)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + ((<usize>i) << 2));
    store<f32>(y + ((<usize>i) << 2), v > 0 ? v : 0);
  }
}

/** dx = dy where the forward's input x > 0, else 0. */
export function reluBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    v128.store(dx + at, v128.and(v128.load(dy + at), f32x4.gt(v128.load(x + at), ZERO)));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    store<f32>(dx + at, load<f32>(x + at) > 0 ? load<f32>(dy + at) : 0);
  }
}

/** t ← 0 where mask is 0 (in place). */
export function applyMask(t: usize, mask: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    v128.store(t + at, v128.and(v128.load(t + at), f32x4.ne(v128.load(mask + at), ZERO)));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    if (load<f32>(mask + at) == 0) store<f32>(t + at, 0);
  }
}

/** y ← a·y + b·x (in place). */
export function scaleAdd(y: usize, x: usize, n: i32, a: f32, b: f32): void {
  const va = f32x4.splat(a);
  const vb = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    v128.store(y + at, f32x4.add(f32x4.mul(va, v128.load(y + at)), f32x4.mul(vb, v128.load(x + at))));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    store<f32>(y + at, a * load<f32>(y + at) + b * load<f32>(x + at));
  }
}

/** db[k] += Σ of row k, for `rows` rows of `n` floats at dy (one image's ∂L/∂y: a convolution's bias gradient). */
export function addRowSums(dy: usize, rows: i32, n: i32, db: usize): void {
  for (let k = 0; k < rows; k++) {
    const row = dy + ((<usize>(k * n)) << 2);
    let sum = f32x4.splat(0);
    let o = 0;
    for (; o + 4 <= n; o += 4) sum = f32x4.add(sum, v128.load(row + ((<usize>o) << 2)));
    let total: f32 = f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
    for (; o < n; o++) total += load<f32>(row + ((<usize>o) << 2));
    const at = db + ((<usize>k) << 2);
    store<f32>(at, load<f32>(at) + total);
  }
}

/** How many of the n floats at x are not zero (NaN counts; −0 does not). */
export function countNonzeros(x: usize, n: i32): i32 {
  // A lane of f32x4.ne is −1 where true: subtracting it counts.
  let counts = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) counts = i32x4.sub(counts, f32x4.ne(v128.load(x + ((<usize>i) << 2)), ZERO));
  let total = i32x4.extract_lane(counts, 0) + i32x4.extract_lane(counts, 1) + i32x4.extract_lane(counts, 2) + i32x4.extract_lane(counts, 3);
  for (; i < n; i++) if (load<f32>(x + ((<usize>i) << 2)) != 0) total++;
  return total;
}

/** SGD with momentum: g ← ∇w + λw; v ← μv + g; w ← w − η·v. */
export function sgdUpdate(w: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, weightDecay: f32): void {
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(momentum);
  const vwd = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    const wi = v128.load(w + at);
    const grad = f32x4.add(v128.load(g + at), f32x4.mul(vwd, wi));
    const vi = f32x4.add(f32x4.mul(vmu, v128.load(v + at)), grad);
    v128.store(v + at, vi);
    v128.store(w + at, f32x4.sub(wi, f32x4.mul(vlr, vi)));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    const wi = load<f32>(w + at);
    const vi = momentum * load<f32>(v + at) + (load<f32>(g + at) + weightDecay * wi);
    store<f32>(v + at, vi);
    store<f32>(w + at, wi - lr * vi);
  }
}

/** Adam: m, v the moment estimates; c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ the bias corrections (computed by the caller). */
export function adamUpdate(
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  c1: f32,
  c2: f32,
): void {
  const vb1 = f32x4.splat(beta1);
  const vb2 = f32x4.splat(beta2);
  const v1b1 = f32x4.splat(1 - beta1);
  const v1b2 = f32x4.splat(1 - beta2);
  const vwd = f32x4.splat(weightDecay);
  const vlr = f32x4.splat(lr);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    const wi = v128.load(w + at);
    const grad = f32x4.add(v128.load(g + at), f32x4.mul(vwd, wi));
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + at)), f32x4.mul(v1b1, grad));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + at)), f32x4.mul(v1b2, f32x4.mul(grad, grad)));
    v128.store(m + at, mi);
    v128.store(v + at, vi);
    const step = f32x4.div(f32x4.mul(vlr, f32x4.div(mi, vc1)), f32x4.add(f32x4.sqrt(f32x4.div(vi, vc2)), veps));
    v128.store(w + at, f32x4.sub(wi, step));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    const wi = load<f32>(w + at);
    const grad = load<f32>(g + at) + weightDecay * wi;
    const mi = beta1 * load<f32>(m + at) + (1 - beta1) * grad;
    const vi = beta2 * load<f32>(v + at) + (1 - beta2) * grad * grad;
    store<f32>(m + at, mi);
    store<f32>(v + at, vi);
    store<f32>(w + at, wi - (lr * (mi / c1)) / (Mathf.sqrt(vi / c2) + eps));
  }
}
