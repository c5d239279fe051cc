/** Runs the browser tests (Playwright) with a Chromium found on this machine; says how to get one if none. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findChromium, NO_BROWSER_MESSAGE } from '../test/e2e/browser';

const browser = findChromium();
if (!browser) {
  console.error(NO_BROWSER_MESSAGE);
  process.exit(1);
}
const cli = path.join(__dirname, '..', 'node_modules', '@playwright', 'test', 'cli.js');
const result = spawnSync(process.execPath, [cli, 'test', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CHROMIUM_PATH: browser, NEXT_TELEMETRY_DISABLED: '1' },
});
process.exit(result.status ?? 1);
