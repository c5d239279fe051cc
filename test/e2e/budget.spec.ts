/**
 * The home page's first-load JavaScript stays within 250 kB gzip: the engine, d3 and KaTeX load with the
 * notebook's cells, after the text.
 */
import { gzipSync } from 'node:zlib';
import { expect, test } from '@playwright/test';

const BUDGET_BYTES = 250 * 1024;

test('home page first-load JavaScript is at most 250 kB gzip, and the heavy parts are not in it', async ({ request }) => {
  const html = await (await request.get('/')).text();
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
  expect(scripts.length).toBeGreaterThan(0);
  let total = gzipSync(Buffer.from([...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join(''))).length;
  const bodies: string[] = [];
  for (const src of scripts) {
    const body = await (await request.get(src)).body();
    bodies.push(body.toString('utf8'));
    total += gzipSync(body).length;
  }
  console.log(`home first-load JavaScript: ${(total / 1024).toFixed(1)} kB gzip in ${scripts.length} files`);
  expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  // Messages that survive minification mark what must load later: KaTeX, d3 (its number format), the engine.
  const firstLoad = bodies.join('\n');
  for (const marker of ['KaTeX parse error', 'invalid format: ', 'backward called before forward']) expect(firstLoad).not.toContain(marker);
});
