/**
 * A small static file server for the exported app (out/). It sends the cross-origin isolation headers
 * (COOP/COEP) so that SharedArrayBuffer is available to the engine's workers, and a strict
 * Content-Security-Policy: scripts only from this origin or inline ones whose hashes it computed from the
 * page itself (no 'unsafe-eval', no 'unsafe-inline' scripts), WebAssembly compiled from this origin's modules
 * ('wasm-unsafe-eval': the engine's SIMD kernels; it lets wasm compile, not strings run as script), and no
 * connection to any other origin.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sirv from 'sirv';

/** The policy for a response; `scriptHashes`: the inline scripts an HTML page may run. */
export function contentSecurityPolicy(scriptHashes: string[] = []): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${scriptHashes.map((h) => ` '${h}'`).join('')}`,
    "worker-src 'self'",
    "connect-src 'self'",
    // React and KaTeX set style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** sha256 hashes of a page's inline scripts (Next's static export inlines its page data). */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const match of html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    if (match[1].length) hashes.add(`sha256-${createHash('sha256').update(match[1], 'utf8').digest('base64')}`);
  }
  return [...hashes];
}

/** Every HTML page under `root` by its path there ('/train/index.html'), with the policy its inline scripts need. */
function pagePolicies(root: string): Map<string, string> {
  const policies = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (entry.name.endsWith('.html')) {
        policies.set(`/${path.relative(root, abs).split(path.sep).join('/')}`, contentSecurityPolicy(inlineScriptHashes(readFileSync(abs, 'utf8'))));
      }
    }
  };
  walk(root);
  return policies;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

/**
 * Serves the files under `root` that were there when it started (sirv's index of them: no request path
 * reaches anything else), with ETag and Last-Modified so that a second visit revalidates instead of
 * downloading the CIFAR-10 batches again, Range requests, and the security headers above. Next's hashed
 * bundles are cached for a year; everything else is revalidated on every use.
 */
export function createStaticServer(root: string): http.Server {
  const absRoot = path.resolve(root);
  const policies = pagePolicies(absRoot);
  // The page a URL shows, the way sirv finds it: /train/ → /train/index.html, /404 → /404.html.
  const pageFor = (pathname: string) => {
    const base = pathname.replace(/\/+$/, '');
    return [pathname, `${base}.html`, `${base}/index.html`].find((p) => policies.has(p));
  };
  const files = sirv(absRoot, {
    dev: false,
    etag: true,
    extensions: ['html'],
    setHeaders: (res, pathname) => {
      const immutable = pathname.startsWith('/_next/static/');
      res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      const page = pageFor(pathname);
      res.setHeader('Content-Security-Policy', (page && policies.get(page)) ?? contentSecurityPolicy());
    },
  });
  const notFoundPage = path.join(absRoot, '404.html');
  const notFound = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const hasPage = policies.has('/404.html');
    res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': policies.get('/404.html') ?? contentSecurityPolicy() });
    if (hasPage && req.method === 'GET') createReadStream(notFoundPage).pipe(res);
    else res.end(hasPage ? undefined : 'Not found');
  };
  return http.createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed');
      return;
    }
    files(req, res, () => notFound(req, res));
  });
}

/** Listens on `port`, or the next free port above it. */
export function listen(server: http.Server, port: number, host = '127.0.0.1', tries = 20): Promise<number> {
  return new Promise((resolve, reject) => {
    const attempt = (p: number, left: number) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE' && left > 0) attempt(p + 1, left - 1);
        else reject(error);
      });
      server.listen(p, host, () => resolve(p));
    };
    attempt(port, tries);
  });
}
