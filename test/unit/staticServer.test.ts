import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticServer, listen } from '../../scripts/lib/staticServer';

let root: string;
let base: string;
const server = { instance: null as ReturnType<typeof createStaticServer> | null };

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'static-'));
  mkdirSync(path.join(root, 'train'));
  mkdirSync(path.join(root, '_next', 'static'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<h1>home</h1>');
  writeFileSync(path.join(root, '404.html'), '<h1>missing</h1>');
  writeFileSync(path.join(root, 'train', 'index.html'), '<h1>train</h1>');
  writeFileSync(path.join(root, '_next', 'static', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(os.tmpdir(), 'secret.txt'), 'do not serve');
  server.instance = createStaticServer(root);
  await listen(server.instance, 0);
  base = `http://127.0.0.1:${(server.instance.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.instance?.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(path.join(os.tmpdir(), 'secret.txt'), { force: true });
});

describe('static server', () => {
  it('serves pages, folders as index.html, scripts with their type and isolation headers', async () => {
    const page = await fetch(`${base}/train/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<h1>train</h1>');
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const script = await fetch(`${base}/_next/static/app.js`);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(script.headers.get('cache-control')).toContain('immutable');
  });

  it('answers 404 with the 404 page and never leaves its folder', async () => {
    const missing = await fetch(`${base}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('<h1>missing</h1>');
    for (const sneaky of ['/../secret.txt', '/%2e%2e/secret.txt', '/train/..%2f..%2fsecret.txt', '/%E0%A4%A']) {
      const response = await fetch(`${base}${sneaky}`);
      expect(response.status, sneaky).toBe(404);
    }
  });
});
