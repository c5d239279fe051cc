/**
 * A small static file server for the exported app (out/). It sends the cross-origin isolation headers
 * (COOP/COEP) so that SharedArrayBuffer is available to the engine's workers, and a strict
 * Content-Security-Policy: scripts only from this origin or inline ones whose hashes it computed from the
 * page itself (no 'unsafe-eval', no 'unsafe-inline' scripts), and no connection to any other origin.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.map': 'application/json; charset=utf-8',
};

/** The policy for a response; `scriptHashes`: the inline scripts an HTML page may run. */
export function contentSecurityPolicy(scriptHashes: string[] = []): string {
  return [
    "default-src 'self'",
    `script-src 'self'${scriptHashes.map((h) => ` '${h}'`).join('')}`,
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

const pagePolicies = new Map<string, { mtime: number; policy: string }>();

function policyFor(file: string): string {
  if (path.extname(file) !== '.html') return contentSecurityPolicy();
  const mtime = statSync(file).mtimeMs;
  const cached = pagePolicies.get(file);
  if (cached && cached.mtime === mtime) return cached.policy;
  const policy = contentSecurityPolicy(inlineScriptHashes(readFileSync(file, 'utf8')));
  pagePolicies.set(file, { mtime, policy });
  return policy;
}

function resolveFile(root: string, urlPath: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  const file = path.normalize(path.join(root, rel));
  if (!file.startsWith(root)) return null; // no escaping the folder with ../
  const candidates = [file, path.join(file, 'index.html'), `${file}.html`];
  return candidates.find((f) => existsSync(f) && statSync(f).isFile()) ?? null;
}

export function createStaticServer(root: string): http.Server {
  const absRoot = path.resolve(root);
  return http.createServer((req, res) => {
    const headers: Record<string, string> = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'X-Content-Type-Options': 'nosniff',
    };
    const file = resolveFile(absRoot, req.url ?? '/');
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      const notFound = resolveFile(absRoot, '/404.html');
      res.writeHead(404, { ...headers, 'Content-Type': TYPES['.html'], 'Content-Security-Policy': notFound ? policyFor(notFound) : contentSecurityPolicy() });
      if (notFound && req.method === 'GET') createReadStream(notFound).pipe(res);
      else res.end('Not found');
      return;
    }
    const size = statSync(file).size;
    const immutable = file.includes(`${path.sep}_next${path.sep}static${path.sep}`);
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(size),
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'Content-Security-Policy': policyFor(file),
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
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
