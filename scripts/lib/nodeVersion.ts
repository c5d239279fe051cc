/**
 * The Node version the project needs, read from package.json's `engines.node` (">=20.19"), so that the
 * number is written in one place; `npm start` checks it before anything else and says it in one line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function requiredNodeVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const range = pkg.engines?.node ?? '';
  const match = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range);
  if (!match) throw new Error(`package.json: engines.node must read ">=X.Y", got "${range}"`);
  return match[1];
}

/** Whether version `have` (like "20.9.0") is at least `need` (like "20.19"). */
export function isAtLeast(have: string, need: string): boolean {
  const a = have.replace(/^v/, '').split('.').map(Number);
  const b = need.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Exits with one line when this Node is too old for the project. */
export function checkNodeVersion(tool: string, have = process.versions.node): void {
  const need = requiredNodeVersion();
  if (!isAtLeast(have, need)) {
    console.error(`${tool}: Sparse CNN Lab needs Node ${need} or newer; this is Node ${have}. Install a current Node (nodejs.org) and try again.`);
    process.exit(1);
  }
}
