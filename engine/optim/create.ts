import type { Backend, DeviceTensor } from '../backend/backend';
import { cpuBackend } from '../backend/cpu/cpuBackend';
import { Tensor } from '../tensor/tensor';
import { Adam, Optimizer, OptimizerConfig, Sgd } from './optimizer';

/** An optimizer from its config, on `backend` (the CPU by default), after checking every hyperparameter. */
export function createOptimizer<T extends DeviceTensor = Tensor>(
  config: OptimizerConfig,
  backend: Backend<T> = cpuBackend as unknown as Backend<T>,
): Optimizer<T> {
  const check = (name: string, value: number | undefined, ok: (v: number) => boolean) => {
    if (value !== undefined && !(Number.isFinite(value) && ok(value))) {
      throw new RangeError(`${config.type}: ${name} must be a finite number in range, got ${value}`);
    }
  };
  check('learning rate', config.lr, (v) => v > 0);
  check('weight decay', config.weightDecay, (v) => v >= 0);
  if (config.type === 'sgd') {
    check('momentum', config.momentum, (v) => v >= 0 && v < 1);
    return new Sgd(config.lr, config.momentum ?? 0, config.weightDecay ?? 0, backend);
  }
  check('beta1', config.beta1, (v) => v >= 0 && v < 1);
  check('beta2', config.beta2, (v) => v >= 0 && v < 1);
  check('epsilon', config.eps, (v) => v > 0);
  return new Adam(config.lr ?? 0.001, config.beta1 ?? 0.9, config.beta2 ?? 0.999, config.eps ?? 1e-8, config.weightDecay ?? 0, backend);
}
