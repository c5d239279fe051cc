/**
 * npm run bench:browser [-- --json] [--quick]
 *
 * Bundles scripts/browserBench/page.ts, serves it cross-origin isolated, and runs it in Chromium with WebGPU
 * (SwiftShader here: a software GPU, so compare only within one run). Prints one row per measurement, or
 * with --json one JSON object per line: name, ms, and where meaningful gflops and ratio.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium, NO_BROWSER_MESSAGE } from '../test/e2e/browser';
import type { BenchRow } from './browserBench/page';
import { createStaticServer, listen } from './lib/staticServer';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } } });

function print(row: BenchRow): void {
  if (values.json) {
    process.stdout.write(`${JSON.stringify(row)}\n`);
    return;
  }
  const extra = [
    row.gflops !== undefined ? `${row.gflops.toFixed(2)} GFLOP/s` : '',
    row.ratio !== undefined ? `${row.ratio.toFixed(2)}× the speed of ${row.versus}` : '',
    row.adapter ? `${row.adapter}${row.timestamps ? ', timestamp queries' : ''}` : '',
  ].filter(Boolean);
  process.stdout.write(`${row.name.padEnd(44)} ${row.ms.toFixed(2).padStart(10)} ms  ${extra.join('  ')}\n`);
}

async function main() {
  const browserPath = findChromium();
  if (!browserPath) throw new Error(NO_BROWSER_MESSAGE);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-browser-'));
  try {
    await build({
      entryPoints: [path.join(__dirname, 'browserBench', 'page.ts')],
      bundle: true,
      format: 'esm',
      outfile: path.join(dir, 'bench.js'),
      logLevel: 'error',
    });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="bench.js"></script>');
    const server = createStaticServer(dir);
    const port = await listen(server, 3200);
    const browser = await chromium.launch({ executablePath: browserPath, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      page.on('pageerror', (error) => process.stderr.write(`page: ${error.message}\n`));
      await page.exposeFunction('reportRow', (row: BenchRow) => print(row));
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => typeof window.runBench === 'function');
      await page.evaluate((quick) => window.runBench(quick, (row) => (window as unknown as { reportRow: (r: unknown) => void }).reportRow(row)), values.quick!);
    } finally {
      await browser.close();
      server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench:browser: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
