/**
 * The dense GEMM of the WebAssembly backend, in AssemblyScript: C[M × N] = A[M × K] · B[K × N], row-major,
 * float32. B is first packed into panels of 8 columns (panel p holds B[k, 8p … 8p + 7] for every k, zero
 * past N), so the micro-kernel reads it strictly in order; the micro-kernel keeps a 4 × 8 tile of C in eight
 * f32x4 registers for the whole k loop and touches memory only to load one row of the panel (two vectors)
 * and four scalars of A per step: 32 multiply-adds per 6 loads. (XNNPACK's and BLIS's kernels are built the
 * same way; this is the smallest version of the idea.)
 */

/** Packs B [K × N] into ⌈N/8⌉ panels of K × 8 floats at `out`. */
export function packPanels(b: usize, K: i32, N: i32, out: usize): void {
  const panels = (N + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    for (let k = 0; k < K; k++) {
      const row = out + ((<usize>(p * K + k) * 8) << 2);
      for (let j = 0; j < 8; j++) {
        const col = p * 8 + j;
        store<f32>(row + ((<usize>j) << 2), col < N ? load<f32>(b + ((<usize>k * N + col) << 2)) : 0);
      }
    }
  }
}

/** Packs B [K × N], given as its transpose `bt` [N × K] (row-major), into ⌈N/8⌉ panels of K × 8 floats. */
export function packPanelsTransposed(bt: usize, K: i32, N: i32, out: usize): void {
  const panels = (N + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    const panel = out + ((<usize>p * K * 8) << 2);
    for (let j = 0; j < 8; j++) {
      const col = p * 8 + j;
      const src = bt + ((<usize>col * K) << 2);
      for (let k = 0; k < K; k++) store<f32>(panel + ((<usize>(k * 8 + j)) << 2), col < N ? load<f32>(src + ((<usize>k) << 2)) : 0);
    }
  }
}

/** dst [cols × rows] = srcᵀ for a row-major src [rows × cols]. */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let i = 0; i < rows; i++) {
    const row = src + ((<usize>i * cols) << 2);
    for (let j = 0; j < cols; j++) store<f32>(dst + ((<usize>(j * rows + i)) << 2), load<f32>(row + ((<usize>j) << 2)));
  }
}

/**
 * Writes lanes 0 … `width` − 1 of a tile row (two vectors) at `c`, or adds them to what is there
 * (`accumulate`): all 8 with two vector stores when they fit, else lane by lane (the kernels allocate
 * nothing: the memory is the caller's).
 */
function storeRow(c: usize, lo: v128, hi: v128, width: i32, accumulate: bool): void {
  if (width >= 8) {
    if (accumulate) {
      lo = f32x4.add(lo, v128.load(c));
      hi = f32x4.add(hi, v128.load(c, 16));
    }
    v128.store(c, lo);
    v128.store(c, hi, 16);
    return;
  }
  for (let j = 0; j < width; j++) {
    const v = j < 4 ? laneOf(lo, j) : laneOf(hi, j - 4);
    const at = c + ((<usize>j) << 2);
    store<f32>(at, accumulate ? load<f32>(at) + v : v);
  }
}

/** Lane j (0 … 3) of a vector: extract_lane needs a constant. */
function laneOf(v: v128, j: i32): f32 {
  if (j === 0) return f32x4.extract_lane(v, 0);
  if (j === 1) return f32x4.extract_lane(v, 1);
  if (j === 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}

/** C = A · B (or C += A · B with `accumulate`), with B packed by packPanels at `bp`. */
export function gemmPacked(a: usize, bp: usize, c: usize, M: i32, N: i32, K: i32, accumulate: bool): void {
  const panels = (N + 7) >> 3;
  const rowBytes = (<usize>K) << 2;
  for (let p = 0; p < panels; p++) {
    const panel = bp + ((<usize>p * K * 8) << 2);
    const width = min(8, N - p * 8);
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const a0 = a + <usize>i * rowBytes;
      let c0l = f32x4.splat(0),
        c0h = f32x4.splat(0),
        c1l = f32x4.splat(0),
        c1h = f32x4.splat(0),
        c2l = f32x4.splat(0),
        c2h = f32x4.splat(0),
        c3l = f32x4.splat(0),
        c3h = f32x4.splat(0);
      // Pointers walk the panel (32 bytes a step) and the four rows of A (4 bytes a step).
      let b = panel;
      let x = a0;
      const end = a0 + rowBytes;
      while (x < end) {
        const bl = v128.load(b);
        const bh = v128.load(b, 16);
        const x0 = f32x4.splat(load<f32>(x));
        const x1 = f32x4.splat(load<f32>(x + rowBytes));
        const x2 = f32x4.splat(load<f32>(x + 2 * rowBytes));
        const x3 = f32x4.splat(load<f32>(x + 3 * rowBytes));
        c0l = f32x4.add(c0l, f32x4.mul(x0, bl));
        c0h = f32x4.add(c0h, f32x4.mul(x0, bh));
        c1l = f32x4.add(c1l, f32x4.mul(x1, bl));
        c1h = f32x4.add(c1h, f32x4.mul(x1, bh));
        c2l = f32x4.add(c2l, f32x4.mul(x2, bl));
        c2h = f32x4.add(c2h, f32x4.mul(x2, bh));
        c3l = f32x4.add(c3l, f32x4.mul(x3, bl));
        c3h = f32x4.add(c3h, f32x4.mul(x3, bh));
        b += 32;
        x += 4;
      }
      const out = c + ((<usize>i * N + p * 8) << 2);
      const ldc = (<usize>N) << 2;
      storeRow(out, c0l, c0h, width, accumulate);
      storeRow(out + ldc, c1l, c1h, width, accumulate);
      storeRow(out + 2 * ldc, c2l, c2h, width, accumulate);
      storeRow(out + 3 * ldc, c3l, c3h, width, accumulate);
    }
    // The last rows, one at a time.
    for (; i < M; i++) {
      const a0 = a + <usize>i * rowBytes;
      let lo = f32x4.splat(0),
        hi = f32x4.splat(0);
      for (let k = 0; k < K; k++) {
        const b = panel + ((<usize>k) << 5);
        const x = f32x4.splat(load<f32>(a0 + ((<usize>k) << 2)));
        lo = f32x4.add(lo, f32x4.mul(x, v128.load(b)));
        hi = f32x4.add(hi, f32x4.mul(x, v128.load(b, 16)));
      }
      storeRow(c + ((<usize>i * N + p * 8) << 2), lo, hi, width, accumulate);
    }
  }
}
