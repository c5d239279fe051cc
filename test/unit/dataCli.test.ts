/** `npm run data` end to end, against a local server and temporary folders (never the real install). */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_DIR, RECORD_BYTES, TEST_BATCH_FILE, TRAIN_BATCH_FILES } from '../../engine/data/cifar10';
import { writeTar } from '../../engine/data/tar';
import { installFromArchive, isInstalled } from '../../scripts/lib/cifar10Files';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

function archive(records = 4): Buffer {
  const files = [...TRAIN_BATCH_FILES, TEST_BATCH_FILE].map((name, f) => ({
    name: `${CIFAR10_DIR}/${name}`,
    data: Uint8Array.from({ length: records * RECORD_BYTES }, (_, i) => (i % RECORD_BYTES === 0 ? (i / RECORD_BYTES + f) % 10 : i & 255)),
  }));
  return gzipSync(writeTar(files));
}

function runData(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSX, path.join(ROOT, 'scripts', 'data.ts'), ...args],
      { env: { ...process.env, ...env }, cwd: ROOT },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` });
      },
    );
  });
}

let tmp: string;
let server: http.Server;
let baseUrl: string;
const good = archive();
const stalled: http.ServerResponse[] = [];
let stallOnceRequests = 0;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cifar-cli-'));
  server = http.createServer((req, res) => {
    if (req.url === '/good.tar.gz') {
      res.writeHead(200, { 'Content-Length': String(good.length) });
      res.end(good);
    } else if (req.url === '/cut.tar.gz') {
      // Promises more bytes than it sends, then hangs up: a dropped connection.
      res.writeHead(200, { 'Content-Length': String(good.length) });
      res.write(good.subarray(0, good.length >> 1));
      setTimeout(() => res.destroy(), 50);
    } else if (req.url === '/stall.tar.gz' || (req.url === '/stall-once.tar.gz' && stallOnceRequests++ === 0)) {
      // Sends the headers and half the body, then nothing — the connection stays open (a stalled download).
      res.writeHead(200, { 'Content-Length': String(good.length) });
      res.write(good.subarray(0, good.length >> 1));
      stalled.push(res);
    } else if (req.url === '/stall-once.tar.gz') {
      res.writeHead(200, { 'Content-Length': String(good.length) });
      res.end(good);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  for (const res of stalled) res.destroy();
  server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('installing CIFAR-10', () => {
  it('installs atomically and keeps the old install when a bad archive is offered', async () => {
    const dir = path.join(tmp, 'lib-install', CIFAR10_DIR);
    const manifest = await installFromArchive(good, 'good.tar.gz', dir);
    expect(manifest.files.map((f) => f.name)).toEqual([...TRAIN_BATCH_FILES, TEST_BATCH_FILE]);
    expect(isInstalled(dir)).toBe(true);
    const before = readFileSync(path.join(dir, 'data_batch_1.bin'));
    await expect(installFromArchive(good.subarray(0, good.length - 100), 'cut.tar.gz', dir)).rejects.toThrow(/cut.tar.gz is corrupt or truncated/);
    expect(readFileSync(path.join(dir, 'data_batch_1.bin'))).toEqual(before);
    expect(isInstalled(dir)).toBe(true);
    // A batch of the wrong size makes the install incomplete.
    writeFileSync(path.join(dir, 'test_batch.bin'), 'short');
    expect(isInstalled(dir)).toBe(false);
  });

  it('downloads with progress, checks the MD5, and is idempotent', async () => {
    const dir = path.join(tmp, 'download', CIFAR10_DIR);
    const md5 = createHash('md5').update(good).digest('hex');
    const env = { CIFAR10_URL: `${baseUrl}/good.tar.gz`, CIFAR10_MD5: md5, CIFAR10_INSTALL_DIR: dir };
    const first = await runData([], env);
    expect(first.out).toContain('download [');
    expect(first.out).toContain('Installed CIFAR-10 (24 images)');
    expect(first.code).toBe(0);
    expect(isInstalled(dir)).toBe(true);
    const again = await runData([], env);
    expect(again.out).toContain('already installed');

    const wrongSum = await runData(['--force'], { ...env, CIFAR10_MD5: '0'.repeat(32) });
    expect(wrongSum.code).toBe(1);
    expect(wrongSum.out).toMatch(/the download's MD5 is [0-9a-f]{32}, expected 0{32}: it is damaged; nothing was installed/);
    expect(isInstalled(dir)).toBe(true);
  });

  it('says so in one line and succeeds with --if-missing when offline; fails plainly without it', async () => {
    const dir = path.join(tmp, 'offline', CIFAR10_DIR);
    const closedPort = await new Promise<number>((resolve) => {
      const probe = http.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const env = { CIFAR10_URL: `http://127.0.0.1:${closedPort}/cifar-10-binary.tar.gz`, CIFAR10_INSTALL_DIR: dir };
    const soft = await runData(['--if-missing'], env);
    expect(soft.code).toBe(0);
    expect(soft.out.trim().split('\n')).toHaveLength(1);
    expect(soft.out).toMatch(/CIFAR-10 not installed: could not reach 127.0.0.1:\d+ \(ECONNREFUSED\)\. Starting anyway/);
    const hard = await runData([], env);
    expect(hard.code).toBe(1);
    expect(hard.out).toMatch(/data: could not reach 127.0.0.1:\d+ \(ECONNREFUSED\)/);
    expect(existsSync(dir)).toBe(false);
  });

  it('reports a dropped download and installs nothing', async () => {
    const dir = path.join(tmp, 'dropped', CIFAR10_DIR);
    const result = await runData([], { CIFAR10_URL: `${baseUrl}/cut.tar.gz`, CIFAR10_INSTALL_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/data: the download was cut short after \d+ bytes \(terminated\); nothing was installed/);
    expect(existsSync(dir)).toBe(false);
  });

  it('gives up on a body that stalls after the headers (three tries), and retries one that stalls once', async () => {
    const dir = path.join(tmp, 'stalled', CIFAR10_DIR);
    const env = { CIFAR10_STALL_MS: '300', CIFAR10_INSTALL_DIR: dir, CIFAR10_MD5: createHash('md5').update(good).digest('hex') };
    const stuck = await runData([], { ...env, CIFAR10_URL: `${baseUrl}/stall.tar.gz` });
    expect(stuck.code).toBe(1);
    expect(stuck.out).toMatch(
      /data: the download was cut short after \d+ bytes \(.*stall\.tar\.gz stalled: nothing received for 0\.3 s\); nothing was installed/,
    );
    expect(stalled.length).toBe(3);
    expect(existsSync(dir)).toBe(false);
    const once = await runData([], { ...env, CIFAR10_URL: `${baseUrl}/stall-once.tar.gz` });
    expect(once.out).toContain('Installed CIFAR-10 (24 images)');
    expect(once.code).toBe(0);
    expect(stallOnceRequests).toBe(2);
  });

  it('--from names a wrong file', async () => {
    const file = path.join(tmp, 'notes.txt');
    writeFileSync(file, 'hello '.repeat(200));
    const result = await runData(['--from', file], { CIFAR10_INSTALL_DIR: path.join(tmp, 'from', CIFAR10_DIR) });
    expect(result.code).toBe(1);
    expect(result.out).toContain('data: notes.txt is not a tar archive');
    const missing = await runData(['--from', path.join(tmp, 'nope.tar.gz')], { CIFAR10_INSTALL_DIR: path.join(tmp, 'from', CIFAR10_DIR) });
    expect(missing.out).toContain('cannot read');
    expect(missing.out).toContain('ENOENT');
  });
});
