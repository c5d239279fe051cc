/**
 * Finding a WebGPU device: `navigator.gpu` (in a page or a worker) or Dawn's in Node. Returns the reason in
 * words when there is none, for the page to show.
 */
import { Gpu } from './gpu';
import { engineText } from '../../text/engineText';

export type GpuAvailability = { ok: true; gpu: Gpu; adapter: string } | { ok: false; reason: string };

/** Storage buffers one kernel binds at most (the sparse forward pass: 7 inputs and the output). */
const STORAGE_BUFFERS_NEEDED = 8;

export async function requestGpu(gpu: GPU | undefined): Promise<GpuAvailability> {
  if (!gpu) return { ok: false, reason: engineText('gpu.noApi') };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return { ok: false, reason: engineText('gpu.adapterError', { error: (error as Error).message }) };
  }
  if (!adapter) return { ok: false, reason: engineText('gpu.noAdapter') };
  if (adapter.limits.maxStorageBuffersPerShaderStage < STORAGE_BUFFERS_NEEDED) {
    return { ok: false, reason: engineText('gpu.storageBuffers', { have: adapter.limits.maxStorageBuffersPerShaderStage, need: STORAGE_BUFFERS_NEEDED }) };
  }
  try {
    // Timestamps make the benchmark's GPU times exact; without them it falls back to wall time.
    const device = await adapter.requestDevice(adapter.features.has('timestamp-query') ? { requiredFeatures: ['timestamp-query'] } : undefined);
    const info = adapter.info;
    const name = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'WebGPU adapter';
    return { ok: true, gpu: new Gpu(device), adapter: name };
  } catch (error) {
    return { ok: false, reason: engineText('gpu.deviceRefused', { error: (error as Error).message }) };
  }
}
