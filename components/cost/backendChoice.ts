/** The backends the cost lab measures on, in the order it offers them, and how each is named. */
import type { BackendName } from '../../engine/backend/backend';

export const BACKEND_CHOICES: BackendName[] = ['wasm', 'cpu', 'webgpu'];

export function backendLabel(b: BackendName, controls: { wasm: string; cpu: string }): string {
  return b === 'wasm' ? controls.wasm : b === 'cpu' ? controls.cpu : 'WebGPU';
}
