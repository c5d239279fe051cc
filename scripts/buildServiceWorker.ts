/**
 * Builds the service worker into the static export (`out/sw.js`): bundles workers/serviceWorker/sw.ts with
 * esbuild, then lets Serwist inject the list of files to precache — everything the build wrote but the
 * CIFAR-10 data (cached once loaded instead) and TensorFlow.js's WebAssembly (loaded only when the cost lab
 * asks for it). `npm run build` and `npm start` run it after `next build`.
 */
import path from 'node:path';
import { injectManifest } from '@serwist/build';
import { build } from 'esbuild';

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'out');

async function main() {
  const bundled = path.join(ROOT, '.next', 'sw.bundled.js');
  await build({
    entryPoints: [path.join(ROOT, 'workers', 'serviceWorker', 'sw.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    outfile: bundled,
    logLevel: 'warning',
  });
  const { count, size, warnings } = await injectManifest({
    swSrc: bundled,
    swDest: path.join(OUT, 'sw.js'),
    globDirectory: OUT,
    globPatterns: ['**/*.{html,js,css,wasm,woff2,svg,png,webmanifest,txt}'],
    globIgnores: ['data/**', 'sw.js', '**/tfjs-backend-wasm*'],
    // The largest chunk (the engine worker with its kernels) is a few MB.
    maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
  });
  for (const w of warnings) console.warn(`service worker: ${w}`);
  console.log(`service worker: out/sw.js precaches ${count} files (${(size / 1e6).toFixed(1)} MB)`);
}

main().catch((error) => {
  console.error(`service worker: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
