/**
 * npm run wasm: compiles the WebAssembly backend's kernels (engine/backend/wasm/assembly, AssemblyScript)
 * into engine/backend/wasm/build/kernels.wasm — only when a source is newer than the module, so the
 * commands that run it first (test, bench) pay nothing when nothing changed. The module is build output:
 * gitignored. Messages go to stderr, so `npm run bench -- --json` keeps a clean stdout.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', 'engine', 'backend', 'wasm');
const SOURCES = path.join(ROOT, 'assembly');
const KERNELS_WASM = path.join(ROOT, 'build', 'kernels.wasm');
const ASC = 'assemblyscript/asc';

interface Asc {
  main(
    args: string[],
    options: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  ): Promise<{ error: Error | null; stderr: { toString(): string } }>;
}

function newestSource(): number {
  return Math.max(...readdirSync(SOURCES).map((name) => statSync(path.join(SOURCES, name)).mtimeMs));
}

function upToDate(): boolean {
  try {
    return statSync(KERNELS_WASM).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (upToDate() && !process.argv.includes('--force')) return;
  mkdirSync(path.dirname(KERNELS_WASM), { recursive: true });
  // Imported by a name TypeScript does not resolve: the compiler's own typings declare a global `require`
  // that would clash with Node's in every other script.
  const asc = (await import(ASC as string)) as Asc;
  const { error, stderr } = await asc.main(
    [path.join(SOURCES, 'index.ts'), '--outFile', KERNELS_WASM, '-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd'],
    { stdout: process.stderr, stderr: process.stderr },
  );
  if (error) throw new Error(`${error.message}\n${stderr.toString()}`);
  process.stderr.write(`wasm: built ${path.relative(process.cwd(), KERNELS_WASM)} (${statSync(KERNELS_WASM).size} bytes)\n`);
}

main().catch((error) => {
  process.stderr.write(`wasm: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
