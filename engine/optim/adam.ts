/**
 * Adam (Kingma & Ba, 2015) with bias correction; weight decay is added to the gradient (L2), as in
 * PyTorch's Adam. Defaults follow the source article: lr 0.001, β = (0.9, 0.999), ε = 1e-8.
 */
import { Param } from '../tensor/param';
import { clearMaskedEntries, copyBuffers, Optimizer, OptimizerState } from './optimizer';

export class Adam implements Optimizer {
  private m = new Map<string, Float32Array>();
  private v = new Map<string, Float32Array>();
  private t = 0;

  constructor(
    readonly lr = 0.001,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
    readonly weightDecay = 0,
  ) {}

  /** The first and second moment estimates of a parameter (for inspection and checkpoints). */
  moments(name: string): { m: Float32Array; v: Float32Array } | undefined {
    const m = this.m.get(name);
    const v = this.v.get(name);
    return m && v ? { m, v } : undefined;
  }

  clearMasked(name: string, mask: Uint8Array): void {
    clearMaskedEntries(this.m.get(name), mask);
    clearMaskedEntries(this.v.get(name), mask);
  }

  exportState(): OptimizerState {
    return { steps: this.t, buffers: copyBuffers([this.m, this.v]) };
  }

  importState(state: OptimizerState): void {
    this.t = state.steps;
    this.m = new Map(Object.entries(state.buffers).map(([name, [m]]) => [name, m.slice()]));
    this.v = new Map(Object.entries(state.buffers).map(([name, [, v]]) => [name, v.slice()]));
  }

  step(params: Param[]): void {
    this.t++;
    const { lr, beta1, beta2, eps, weightDecay } = this;
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    for (const p of params) {
      const w = p.value.data;
      const g = p.grad.data;
      let m = this.m.get(p.name);
      let v = this.v.get(p.name);
      if (!m || !v) {
        m = new Float32Array(w.length);
        v = new Float32Array(w.length);
        this.m.set(p.name, m);
        this.v.set(p.name, v);
      }
      for (let i = 0; i < w.length; i++) {
        const grad = g[i] + weightDecay * w[i];
        m[i] = beta1 * m[i] + (1 - beta1) * grad;
        v[i] = beta2 * v[i] + (1 - beta2) * grad * grad;
        w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    }
  }
}
