/** Node-side CIFAR-10 access: where the app serves it, installing it atomically, loading it for the CLI. */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  CIFAR10_DIR,
  Cifar10,
  cifar10FromFiles,
  extractCifar10Files,
  META_FILE,
  parseCifar10Batch,
  TEST_BATCH_FILE,
  TRAIN_BATCH_FILES,
} from '../../engine/data/cifar10';
import { DataFormatError } from '../../engine/data/errors';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/**
 * Where `npm run data` installs the batches; the app fetches them from /data/cifar-10-batches-bin/.
 * (CIFAR10_INSTALL_DIR overrides it, for tests.)
 */
export const INSTALL_DIR = process.env.CIFAR10_INSTALL_DIR ?? path.join(PROJECT_ROOT, 'public', 'data', CIFAR10_DIR);
export const MANIFEST_FILE = 'manifest.json';
/** The copy of the data set kept beside the project on development and CI machines. */
export const SHARED_TARBALL = path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'cifar-10-binary.tar.gz');

export interface Manifest {
  files: { name: string; bytes: number; images?: number }[];
  source: string;
  installedAt: string;
}

/** True when every file the manifest lists is present with its recorded size. */
export function isInstalled(dir = INSTALL_DIR): boolean {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
    return manifest.files.every((f) => existsSync(path.join(dir, f.name)) && statSync(path.join(dir, f.name)).size === f.bytes);
  } catch {
    return false;
  }
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * Validates an archive and installs its batches into `dir`. Files are written into a temporary folder
 * beside it and renamed into place last, so an interrupted install leaves nothing half-written.
 */
export async function installFromArchive(bytes: Uint8Array, source: string, dir = INSTALL_DIR): Promise<Manifest> {
  const files = await extractCifar10Files(bytes, path.basename(source));
  const batches = [...TRAIN_BATCH_FILES, TEST_BATCH_FILE];
  const manifest: Manifest = { files: [], source: path.basename(source), installedAt: new Date().toISOString() };
  for (const name of batches) {
    const set = parseCifar10Batch(files.get(name)!, name); // validates every record
    manifest.files.push({ name, bytes: files.get(name)!.length, images: set.count });
  }
  const meta = files.get(META_FILE);
  if (meta) manifest.files.push({ name: META_FILE, bytes: meta.length });

  await fs.mkdir(path.dirname(dir), { recursive: true });
  // Leftovers of an install that was killed midway.
  for (const entry of await fs.readdir(path.dirname(dir))) {
    if (entry.startsWith(`${path.basename(dir)}.partial-`)) await fs.rm(path.join(path.dirname(dir), entry), { recursive: true, force: true });
  }
  const tmp = `${dir}.partial-${process.pid}`;
  await fs.mkdir(tmp);
  try {
    for (const f of manifest.files) await fs.writeFile(path.join(tmp, f.name), files.get(f.name)!);
    await fs.writeFile(path.join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(tmp, dir);
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return manifest;
}

/** Loads CIFAR-10 from a tarball or from an installed folder (the folder itself or its parent). */
export async function loadCifar10(from: string, trainBatches = 5): Promise<Cifar10> {
  if (!existsSync(from)) throw new DataFormatError(`${from} does not exist`);
  if (statSync(from).isDirectory()) {
    const dir = existsSync(path.join(from, TEST_BATCH_FILE)) ? from : path.join(from, CIFAR10_DIR);
    const files = new Map<string, Uint8Array>();
    for (const name of [...TRAIN_BATCH_FILES.slice(0, trainBatches), TEST_BATCH_FILE, META_FILE]) {
      const file = path.join(dir, name);
      if (existsSync(file)) files.set(name, new Uint8Array(await fs.readFile(file)));
    }
    if (!files.has(TEST_BATCH_FILE)) throw new DataFormatError(`${from} holds no CIFAR-10 batches (looked for ${path.join(dir, TEST_BATCH_FILE)})`);
    return cifar10FromFiles(files, trainBatches);
  }
  const bytes = new Uint8Array(await fs.readFile(from));
  const files = await extractCifar10Files(bytes, path.basename(from));
  return cifar10FromFiles(files, trainBatches);
}

/** The data the tests use: the installed copy, else the shared tarball; null when neither exists. */
export function findTestData(): string | null {
  if (isInstalled()) return INSTALL_DIR;
  if (existsSync(SHARED_TARBALL)) return SHARED_TARBALL;
  return null;
}
