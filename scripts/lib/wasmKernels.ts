/** The wasm backend in Node (tests, bench, CLI): the compiled kernels read from the build, with a hint when missing. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WasmBackend } from '../../engine/backend/wasm/wasmBackend';

export const KERNELS_WASM = path.join(__dirname, '..', '..', 'engine', 'backend', 'wasm', 'build', 'kernels.wasm');

export function kernelsWasmBytes(): Uint8Array<ArrayBuffer> {
  try {
    return new Uint8Array(readFileSync(KERNELS_WASM));
  } catch {
    throw new Error(`${path.relative(process.cwd(), KERNELS_WASM)} is missing: run npm run wasm (npm test and npm run bench do it first)`);
  }
}

/** A wasm backend over its own instance of the kernels. */
export function createWasmBackend(): Promise<WasmBackend> {
  return WasmBackend.create(kernelsWasmBytes());
}
