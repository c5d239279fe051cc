/** The compiled WebAssembly kernels in Node (tests, bench): read from the build, with a hint when missing. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WasmKernels } from '../../engine/backend/wasm/kernels';

const KERNELS_WASM = path.join(__dirname, '..', '..', 'engine', 'backend', 'wasm', 'build', 'kernels.wasm');

export function loadWasmKernels(): Promise<WasmKernels> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(KERNELS_WASM);
  } catch {
    throw new Error(`${path.relative(process.cwd(), KERNELS_WASM)} is missing: run npm run wasm (npm test and npm run bench do it first)`);
  }
  return WasmKernels.load(new Uint8Array(bytes));
}
