/**
 * SGD with momentum (PyTorch's convention): g ← ∇w + λw;  v ← μv + g;  w ← w − η·v.
 */
import { Param } from '../tensor/param';
import { clearMaskedEntries, copyBuffers, Optimizer, OptimizerState } from './optimizer';

export class Sgd implements Optimizer {
  private velocity = new Map<string, Float32Array>();
  private steps = 0;

  constructor(
    readonly lr: number,
    readonly momentum = 0,
    readonly weightDecay = 0,
  ) {}

  clearMasked(name: string, mask: Uint8Array): void {
    clearMaskedEntries(this.velocity.get(name), mask);
  }

  exportState(): OptimizerState {
    return { steps: this.steps, buffers: copyBuffers([this.velocity]) };
  }

  importState(state: OptimizerState): void {
    this.steps = state.steps;
    this.velocity = new Map(Object.entries(state.buffers).map(([name, [v]]) => [name, v.slice()]));
  }

  step(params: Param[]): void {
    this.steps++;
    const { lr, momentum, weightDecay } = this;
    for (const p of params) {
      const w = p.value.data;
      const g = p.grad.data;
      let v = this.velocity.get(p.name);
      if (!v) {
        v = new Float32Array(w.length);
        this.velocity.set(p.name, v);
      }
      for (let i = 0; i < w.length; i++) {
        const grad = g[i] + weightDecay * w[i];
        v[i] = momentum * v[i] + grad;
        w[i] -= lr * v[i];
      }
    }
  }
}
