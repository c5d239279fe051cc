import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium, NO_BROWSER_MESSAGE } from './test/e2e/browser';

const executablePath = findChromium();
if (!executablePath) throw new Error(NO_BROWSER_MESSAGE);
const PORT = Number(process.env.E2E_PORT ?? 3100);

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://localhost:${PORT}`,
    launchOptions: { executablePath, args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 900 },
    // A page a service worker controls bypasses page.route and the network log of the page: every test
    // but the offline one (test/e2e/offline.spec.ts, which allows it) runs without one.
    serviceWorkers: 'block',
  },
  // Tests run against the production build (static export), served the way `npm start` serves it.
  webServer: {
    command: `node node_modules/next/dist/bin/next build && node node_modules/tsx/dist/cli.mjs scripts/buildServiceWorker.ts && node node_modules/tsx/dist/cli.mjs scripts/serve.ts --port ${PORT} --strict-port`,
    url: `http://localhost:${PORT}/`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: { NEXT_TELEMETRY_DISABLED: '1' },
  },
});
