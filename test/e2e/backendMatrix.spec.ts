/**
 * The test matrix in Chromium: test/matrix/browserMatrix.ts, bundled here and served from the app's origin
 * (a secure context, so the page has WebGPU), runs every backend check on the pure-TS backend, on the
 * wasm kernels as Chromium compiles them, and on Chromium's own WebGPU (SwiftShader here) — the WGSL as a
 * browser compiles and runs it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { expect, test } from '@playwright/test';
import type { CheckResult } from '../matrix/browserMatrix';
import { KERNELS_WASM } from '../../scripts/lib/wasmKernels';

test('every backend check passes on every backend of the browser, WebAssembly SIMD and WebGPU included', async ({ page }) => {
  test.setTimeout(600_000);
  const bundle = await build({
    entryPoints: [path.join(__dirname, '..', 'matrix', 'browserMatrix.ts')],
    bundle: true,
    format: 'esm',
    write: false,
    logLevel: 'error',
  });
  const script = bundle.outputFiles[0].text;
  await page.route('**/__backend-matrix/**', (route) =>
    route.request().url().endsWith('.js')
      ? route.fulfill({ contentType: 'text/javascript', body: script })
      : route.request().url().endsWith('.wasm')
        ? route.fulfill({ contentType: 'application/wasm', body: readFileSync(KERNELS_WASM) })
        : route.fulfill({
            contentType: 'text/html',
            body: '<!doctype html><meta charset="utf-8"><title>matrix</title><script type="module" src="matrix.js"></script>',
          }),
  );
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/__backend-matrix/index.html');
  await page.waitForFunction(() => typeof window.runBackendChecks === 'function');
  await page.exposeFunction('reportCheck', (r: CheckResult) => console.log(`${r.backend} · ${r.check}: ${r.error ?? 'ok'} (${Math.round(r.ms)} ms)`));
  const results = await page.evaluate(() => window.runBackendChecks((r) => (window as unknown as { reportCheck: (r: CheckResult) => void }).reportCheck(r)));
  expect(new Set(results.map((r) => r.backend))).toEqual(new Set(['cpu', 'wasm', 'webgpu']));
  expect(results.filter((r) => r.error !== null).map((r) => `${r.backend} · ${r.check}: ${r.error}`)).toEqual([]);
  expect(errors).toEqual([]);
});
