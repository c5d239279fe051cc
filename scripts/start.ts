/**
 * npm start: installs CIFAR-10 if it is missing (offline, it says so and goes on), builds the WebAssembly
 * kernels (when their sources changed) and the static app,
 * then serves it and prints its URL. It needs only the packages in `dependencies` (`npm ci --omit=dev` is
 * enough): tsx runs these scripts, and Next's build wants TypeScript and the React and Node types.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './lib/cifar10Files';
import { checkNodeVersion } from './lib/nodeVersion';
import { serve } from './serve';

checkNodeVersion('start');

function run(label: string, args: string[]): void {
  const result = spawnSync(process.execPath, args, {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) {
    console.error(`start: ${label} failed (exit code ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}

const tsxCli = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const nextCli = path.join(PROJECT_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

run('getting CIFAR-10', [tsxCli, path.join('scripts', 'data.ts'), '--if-missing']);
run('building the WebAssembly kernels', [tsxCli, path.join('scripts', 'buildWasm.ts')]);
console.log('Building the app …');
run('the build', [nextCli, 'build']);
run('the service worker', [tsxCli, path.join('scripts', 'buildServiceWorker.ts')]);
serve(Number(process.env.PORT ?? 3000)).catch((error) => {
  console.error(`start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
