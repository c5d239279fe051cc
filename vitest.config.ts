import { defineConfig } from 'vitest/config';
import { pointDawnAtAVulkanLoader } from './test/unit/webgpu/vulkanLoader';

// The WGSL tests run on a real WebGPU device: with Chromium installed but not Debian's libvulkan1, the test
// workers (started after this) use the Vulkan loader that Chromium ships.
pointDawnAtAVulkanLoader();

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // The accuracy smoke test trains a model: give it one core of its own.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
