import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAtLeast, requiredNodeVersion } from '../../scripts/lib/nodeVersion';
import { createStaticServer, listen } from '../../scripts/lib/staticServer';

let root: string;
let sibling: string;
let base: string;

/** A request with its path sent exactly as written (fetch would resolve the dot segments first). */
function rawGet(rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const { port } = server.instance!.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
const server = { instance: null as ReturnType<typeof createStaticServer> | null };

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'static-'));
  mkdirSync(path.join(root, 'train'));
  mkdirSync(path.join(root, '_next', 'static'), { recursive: true });
  // A folder beside the served one whose name starts with the served folder's: a prefix check lets it through.
  sibling = `${root}-leak`;
  mkdirSync(sibling);
  writeFileSync(path.join(sibling, 'x.txt'), 'sibling secret');
  writeFileSync(path.join(root, 'index.html'), '<h1>home</h1><script>self.page = 1</script>');
  writeFileSync(path.join(root, 'data.bin'), '0123456789');
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
  rmSync(sibling, { recursive: true, force: true });
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

  it('never serves a file outside its folder, however the path is spelled', async () => {
    const name = path.basename(sibling);
    const sneaky = [
      `/../${name}/x.txt`,
      `/%2e%2e/${name}/x.txt`,
      `/..%2f${name}%2fx.txt`,
      `/%2e%2e%2f${name}%2fx.txt`,
      `/train/../../${name}/x.txt`,
      `/..\\${name}\\x.txt`,
      `/index.html%00.txt`,
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/train/..%2f..%2fsecret.txt',
    ];
    for (const p of sneaky) {
      const response = await rawGet(p);
      expect(response.status, p).toBe(404);
      expect(response.body, p).not.toContain('secret');
    }
  });

  it('lets a second visit revalidate (ETag, Last-Modified: 304, no body) and answers Range requests', async () => {
    const first = await rawGet('/data.bin');
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    expect(first.headers.etag).toBeTruthy();
    expect(first.headers['last-modified']).toBeTruthy();
    const again = await rawGet('/data.bin', { 'If-None-Match': first.headers.etag as string });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const part = await rawGet('/data.bin', { Range: 'bytes=2-5' });
    expect(part.status).toBe(206);
    expect(part.body).toBe('2345');
    expect(part.headers['content-range']).toBe('bytes 2-5/10');
  });

  it('gives each page a policy that allows its own inline scripts and nothing else', async () => {
    const home = await rawGet('/');
    // Scripts: this origin, the page's own inline ones by hash, and WebAssembly compilation — nothing else.
    expect(home.headers['content-security-policy']).toMatch(/script-src 'self' 'wasm-unsafe-eval'( 'sha256-[A-Za-z0-9+/=]+')+;/);
    expect(home.headers['content-security-policy']).not.toContain("'unsafe-eval'");
    const other = await rawGet('/train/');
    expect(other.headers['content-security-policy']).toMatch(/script-src 'self' 'wasm-unsafe-eval';/);
    const post = await fetch(`${base}/`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});

describe('the Node version npm start asks for', () => {
  it('comes from package.json and compares versions by number', () => {
    expect(requiredNodeVersion()).toBe('20.19');
    expect(isAtLeast('20.19.0', '20.19')).toBe(true);
    expect(isAtLeast('v22.1.0', '20.19')).toBe(true);
    expect(isAtLeast('20.9.0', '20.19')).toBe(false); // 9 < 19: not a string comparison
    expect(isAtLeast('18.20.4', '20.19')).toBe(false);
  });
});
