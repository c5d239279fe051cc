/// <reference lib="webworker" />
/**
 * The wasm backend in a browser worker: the kernels' module (built by `npm run wasm`, emitted by the
 * bundler beside the worker) fetched and instantiated — one instance per worker, so the engine worker and
 * every gradient worker each have their own memory.
 */
import type { Backend } from '../engine/backend/backend';
import { WasmBackend } from '../engine/backend/wasm/wasmBackend';
import { engineText } from '../engine/text/engineText';

const KERNELS_URL = new URL('../engine/backend/wasm/build/kernels.wasm', import.meta.url);

let kernelBytes: Promise<Uint8Array<ArrayBuffer>> | null = null;

async function fetchKernels(): Promise<Uint8Array<ArrayBuffer>> {
  let response: Response;
  try {
    response = await fetch(KERNELS_URL);
  } catch (error) {
    throw new Error(engineText('wasm.loadFailed', { error: error instanceof Error ? error.message : String(error) }));
  }
  if (!response.ok) throw new Error(engineText('wasm.loadFailed', { error: `HTTP ${response.status}` }));
  return new Uint8Array(await response.arrayBuffer());
}

/** A new wasm backend (the module's bytes fetched once per worker). */
export async function createBrowserWasmBackend(): Promise<Backend> {
  kernelBytes ??= fetchKernels();
  kernelBytes.catch(() => (kernelBytes = null)); // a failed fetch may be retried
  return (await WasmBackend.create(await kernelBytes)) as unknown as Backend;
}
