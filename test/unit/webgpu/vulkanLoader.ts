/**
 * Dawn (npm `webgpu`) opens the Vulkan loader, libvulkan.so.1, when a process asks for an adapter. Debian's
 * chromium package ships one beside SwiftShader's driver (/usr/lib/chromium) but does not pull in the
 * system's libvulkan1, so on a machine with Chromium alone the WGSL tests would find no loader. The dynamic
 * linker reads LD_LIBRARY_PATH when a process starts: the test runner sets it before it starts its workers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const CHROMIUM_LIB_DIR = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = path.join(CHROMIUM_LIB_DIR, 'vk_swiftshader_icd.json');

function systemHasVulkanLoader(): boolean {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return / libvulkan\.so\.1 /.test(execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
      // not this one
    }
  }
  return false;
}

/** Points child processes at Chromium's Vulkan loader when the system has none; says which one they use. */
export function pointDawnAtAVulkanLoader(env: NodeJS.ProcessEnv = process.env): 'system' | 'chromium' | 'none' {
  if (systemHasVulkanLoader()) return 'system';
  if (!existsSync(path.join(CHROMIUM_LIB_DIR, 'libvulkan.so.1'))) return 'none';
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (!dirs.includes(CHROMIUM_LIB_DIR)) env.LD_LIBRARY_PATH = [...dirs, CHROMIUM_LIB_DIR].join(':');
  return 'chromium';
}
