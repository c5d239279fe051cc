/**
 * Softmax and softmax cross-entropy over rows of logits, in float64 inside (as the TypeScript kernel):
 * p = softmax(z), loss = mean over rows of log Σ exp(z) − z[label] (log-sum-exp, never the log of an
 * underflowed p), ∂loss/∂z = (p − onehot(label)) / rows.
 */

function softmaxRow(z: usize, out: usize, classes: i32): void {
  let zmax: f64 = -Infinity;
  for (let c = 0; c < classes; c++) zmax = max(zmax, <f64>load<f32>(z + ((<usize>c) << 2)));
  let sum: f64 = 0;
  for (let c = 0; c < classes; c++) sum += Math.exp(<f64>load<f32>(z + ((<usize>c) << 2)) - zmax);
  for (let c = 0; c < classes; c++) store<f32>(out + ((<usize>c) << 2), <f32>(Math.exp(<f64>load<f32>(z + ((<usize>c) << 2)) - zmax) / sum));
}

export function softmax(logits: usize, probs: usize, rows: i32, classes: i32): void {
  for (let n = 0; n < rows; n++) {
    const off = (<usize>(n * classes)) << 2;
    softmaxRow(logits + off, probs + off, classes);
  }
}

/** Writes probs and dlogits; totals[0] = mean loss, totals[1] = rows whose arg-max is the label (float64s). */
export function softmaxCrossEntropy(logits: usize, labels: usize, probs: usize, dlogits: usize, totals: usize, rows: i32, classes: i32): void {
  let loss: f64 = 0;
  let correct = 0;
  const scale: f64 = 1 / <f64>rows;
  for (let n = 0; n < rows; n++) {
    const off = (<usize>(n * classes)) << 2;
    const z = logits + off;
    softmaxRow(z, probs + off, classes);
    let zmax: f64 = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++) {
      const v = <f64>load<f32>(z + ((<usize>c) << 2));
      if (v > zmax) {
        zmax = v;
        arg = c;
      }
    }
    let sum: f64 = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(<f64>load<f32>(z + ((<usize>c) << 2)) - zmax);
    const label = load<i32>(labels + ((<usize>n) << 2));
    loss += Math.log(sum) + zmax - <f64>load<f32>(z + ((<usize>label) << 2));
    if (arg == label) correct++;
    for (let c = 0; c < classes; c++) {
      const p = <f64>load<f32>(probs + off + ((<usize>c) << 2));
      store<f32>(dlogits + off + ((<usize>c) << 2), <f32>((p - (c == label ? 1 : 0)) * scale));
    }
  }
  store<f64>(totals, loss / <f64>rows);
  store<f64>(totals, <f64>correct, 8);
}
