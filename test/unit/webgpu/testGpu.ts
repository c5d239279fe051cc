/**
 * A real WebGPU device in Node for the kernel tests: Dawn (npm `webgpu`) on SwiftShader's Vulkan driver,
 * which Debian's chromium package ships. No skipping: without an adapter the tests fail and say why.
 */
import { existsSync } from 'node:fs';
import { Gpu } from '../../../engine/backend/webgpu/gpu';
import { SWIFTSHADER_ICD } from './vulkanLoader';

let shared: Promise<Gpu> | null = null;
/** Dawn's instance must outlive its devices: kept here so the garbage collector never takes it. */
let instance: GPU | null = null;

/** The device the kernel tests share. */
export function testGpu(): Promise<Gpu> {
  shared ??= newTestGpu();
  return shared;
}

/** A device of its own, from a fresh adapter (for a test that destroys it). */
export async function newTestGpu(): Promise<Gpu> {
  if (!instance) {
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    instance = create([]);
  }
  const adapter = await instance.requestAdapter();
  if (!adapter) {
    throw new Error(
      "no WebGPU adapter in Node: install Debian's chromium package (it ships SwiftShader and a Vulkan loader in " +
        '/usr/lib/chromium), or point VK_ICD_FILENAMES at another Vulkan driver',
    );
  }
  return new Gpu(await adapter.requestDevice(adapter.features.has('timestamp-query') ? { requiredFeatures: ['timestamp-query'] } : undefined));
}
