/**
 * An optimizer over any backend: its state (SGD's velocity, Adam's moments) lives beside the weights, in
 * the backend's tensors, and each update is one backend op per parameter (ops/optimizerUpdates.ts holds the
 * maths the CPU runs and the WGSL kernels mirror).
 */
import type { Backend, DeviceTensor } from '../backend/backend';
import { cpuBackend } from '../backend/cpu/cpuBackend';
import { Param } from '../tensor/param';
import { Tensor } from '../tensor/tensor';

/**
 * An optimizer's state: the step count and, per parameter, its buffers — SGD's velocity, or Adam's first
 * and second moments, in that order.
 */
export interface OptimizerState {
  steps: number;
  buffers: Record<string, Float32Array[]>;
}

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; momentum?: number; weightDecay?: number }
  | { type: 'adam'; lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number };

export abstract class Optimizer<T extends DeviceTensor = Tensor> {
  /** Per parameter, its state buffers; created (zero) at a parameter's first update. */
  private state = new Map<string, T[]>();
  protected steps = 0;

  constructor(
    private readonly buffersPerParam: number,
    protected readonly backend: Backend<T>,
  ) {}

  /** Updates one parameter from its gradient, at step `this.steps`. */
  protected abstract update(p: Param<T>, buffers: T[]): void;

  /** Updates every parameter from its current gradient. */
  step(params: Param<T>[]): void {
    this.steps++;
    for (const p of params) {
      let buffers = this.state.get(p.name);
      if (!buffers) {
        buffers = Array.from({ length: this.buffersPerParam }, () => this.backend.tensor(p.value.shape));
        this.state.set(p.name, buffers);
      }
      this.update(p, buffers);
    }
  }

  /** Forgets the state (momentum, moments) of the entries a pruning mask removes (mask 0). */
  clearMasked(name: string, mask: T): void {
    for (const buffer of this.state.get(name) ?? []) this.backend.applyMask(buffer, mask);
  }

  /** A copy of the state (to checkpoint it, or to move a run between backends). */
  async exportState(): Promise<OptimizerState> {
    const buffers: Record<string, Float32Array[]> = {};
    for (const [name, tensors] of this.state) buffers[name] = await Promise.all(tensors.map((t) => this.backend.read(t)));
    return { steps: this.steps, buffers };
  }

  importState(state: OptimizerState): void {
    this.release();
    this.steps = state.steps;
    for (const [name, buffers] of Object.entries(state.buffers)) {
      this.state.set(
        name,
        buffers.map((b) => this.backend.tensor([b.length], b)),
      );
    }
  }

  /** The state buffers of one parameter (for inspection), or undefined before its first update. */
  buffers(name: string): readonly T[] | undefined {
    return this.state.get(name);
  }

  /** Frees the state's tensors. */
  release(): void {
    for (const buffers of this.state.values()) for (const b of buffers) this.backend.free(b);
    this.state.clear();
  }
}

/** SGD with momentum (PyTorch's convention): g ← ∇w + λw;  v ← μv + g;  w ← w − η·v. */
export class Sgd<T extends DeviceTensor = Tensor> extends Optimizer<T> {
  constructor(
    readonly lr: number,
    readonly momentum = 0,
    readonly weightDecay = 0,
    backend: Backend<T> = cpuBackend as unknown as Backend<T>,
  ) {
    super(1, backend);
  }

  protected update(p: Param<T>, [velocity]: T[]): void {
    this.backend.sgdUpdate({ w: p.value, g: p.grad, velocity, lr: this.lr, momentum: this.momentum, weightDecay: this.weightDecay });
  }
}

/**
 * Adam (Kingma & Ba, 2015) with bias correction; weight decay is added to the gradient (L2), as in
 * PyTorch's Adam. Defaults follow the source article: lr 0.001, β = (0.9, 0.999), ε = 1e-8.
 */
export class Adam<T extends DeviceTensor = Tensor> extends Optimizer<T> {
  constructor(
    readonly lr = 0.001,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
    readonly weightDecay = 0,
    backend: Backend<T> = cpuBackend as unknown as Backend<T>,
  ) {
    super(2, backend);
  }

  protected update(p: Param<T>, [m, v]: T[]): void {
    const { lr, beta1, beta2, eps, weightDecay } = this;
    this.backend.adamUpdate({ w: p.value, g: p.grad, m, v, lr, beta1, beta2, eps, weightDecay, t: this.steps });
  }
}
