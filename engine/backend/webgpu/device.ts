/**
 * Finding a WebGPU device: `navigator.gpu` (in a page or a worker) or Dawn's in Node. Returns the reason in
 * words when there is none, for the page to show.
 */
import { Gpu } from './gpu';

export type GpuAvailability = { ok: true; gpu: Gpu; adapter: string } | { ok: false; reason: string };

/** Storage buffers one kernel binds at most (the sparse forward pass: 7 inputs and the output). */
const STORAGE_BUFFERS_NEEDED = 8;

export async function requestGpu(gpu: GPU | undefined): Promise<GpuAvailability> {
  if (!gpu) return { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return { ok: false, reason: `no WebGPU adapter: ${(error as Error).message}` };
  }
  if (!adapter) return { ok: false, reason: 'WebGPU found no adapter on this device' };
  if (adapter.limits.maxStorageBuffersPerShaderStage < STORAGE_BUFFERS_NEEDED) {
    return { ok: false, reason: `the GPU binds only ${adapter.limits.maxStorageBuffersPerShaderStage} storage buffers per kernel (${STORAGE_BUFFERS_NEEDED} needed)` };
  }
  try {
    // Timestamps make the benchmark's GPU times exact; without them it falls back to wall time.
    const device = await adapter.requestDevice(adapter.features.has('timestamp-query') ? { requiredFeatures: ['timestamp-query'] } : undefined);
    const info = adapter.info;
    const name = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'WebGPU adapter';
    return { ok: true, gpu: new Gpu(device), adapter: name };
  } catch (error) {
    return { ok: false, reason: `the GPU refused a device: ${(error as Error).message}` };
  }
}
