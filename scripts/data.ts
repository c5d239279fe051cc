/**
 * npm run data                 downloads the official CIFAR-10 binary tarball, checks its MD5, installs it
 * npm run data -- --from FILE  installs from a local tarball instead (its structure is validated)
 * npm run data -- --if-missing does nothing when the data is already installed (used by npm start)
 *
 * Installs the batches into public/data/cifar-10-batches-bin/ (gitignored), where the app serves them.
 * Idempotent; an interrupted run leaves nothing half-installed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CIFAR10_MD5, CIFAR10_URL } from '../engine/data/cifar10';
import { DataFormatError } from '../engine/data/errors';
import { fetchWithProgress, StalledDownload } from '../engine/data/fetchCifar10';
import { INSTALL_DIR, installFromArchive, isInstalled, md5, PROJECT_ROOT } from './lib/cifar10Files';
import { ProgressBar } from './lib/progressBar';

class OfflineError extends Error {}

// A download that receives nothing for this long (no answer, or a body that stops) is tried again, three
// times in all — the same stall detection as the app's own downloads.
const STALL_MS = Number(process.env.CIFAR10_STALL_MS) || 20_000;

// The official address and checksum; a mirror (or a test) may override both.
const SOURCE_URL = process.env.CIFAR10_URL ?? CIFAR10_URL;
const SOURCE_MD5 = process.env.CIFAR10_MD5 ?? CIFAR10_MD5;

async function download(url: string): Promise<Uint8Array> {
  const bar = new ProgressBar('download');
  let total: number | null = null;
  let received = 0;
  let started = false;
  try {
    const bytes = await fetchWithProgress(
      url,
      null,
      (n) => {
        received += n;
        if (total) bar.update(received / total, `${(received / 2 ** 20).toFixed(1)} / ${(total / 2 ** 20).toFixed(1)} MiB`);
      },
      {
        stallMs: STALL_MS,
        onResponse: (bytes) => {
          total = bytes;
          // Said only once the server answered (once, however many attempts), so that offline there is exactly one line.
          if (!started) console.log(`Downloading CIFAR-10${bytes ? ` (${(bytes / 2 ** 20).toFixed(0)} MiB)` : ''} from ${url}`);
          started = true;
        },
      },
    );
    bar.done();
    return bytes;
  } catch (error) {
    if (!started) {
      // No answer: offline, refused, or an HTTP error — `npm start` goes on without the data.
      if (error instanceof StalledDownload) throw new OfflineError(`could not reach ${new URL(url).host} (no answer within ${STALL_MS / 1000} s, 3 tries)`);
      if (error instanceof DataFormatError) throw new OfflineError(error.message);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new OfflineError(`could not reach ${new URL(url).host} (${cause?.code ?? cause?.message ?? (error as Error).message})`);
    }
    bar.done();
    throw new Error(`the download was cut short after ${received} bytes (${(error as Error).message}); nothing was installed — run \`npm run data\` again`);
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      'if-missing': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
    },
  });
  const target = path.relative(PROJECT_ROOT, INSTALL_DIR);
  if (isInstalled() && !values.force) {
    if (!values['if-missing']) console.log(`CIFAR-10 is already installed in ${target} (use --force to reinstall).`);
    return;
  }
  let bytes: Uint8Array;
  let source: string;
  if (values.from) {
    source = path.resolve(values.from);
    try {
      bytes = new Uint8Array(await fs.readFile(source));
    } catch (error) {
      throw new Error(`cannot read ${values.from}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const sum = md5(bytes);
    if (sum !== SOURCE_MD5)
      console.log(`Note: ${path.basename(source)} is not byte-identical to the official release (MD5 ${sum}); checking its structure instead.`);
  } else {
    try {
      bytes = await download(SOURCE_URL);
    } catch (error) {
      if (error instanceof OfflineError && values['if-missing']) {
        console.log(
          `CIFAR-10 not installed: ${error.message}. Starting anyway; install it later with \`npm run data -- --from FILE\` or drop the tarball into the app.`,
        );
        return;
      }
      throw error;
    }
    const sum = md5(bytes);
    if (sum !== SOURCE_MD5) throw new Error(`the download's MD5 is ${sum}, expected ${SOURCE_MD5}: it is damaged; nothing was installed`);
    source = SOURCE_URL;
  }
  const manifest = await installFromArchive(bytes, source);
  const images = manifest.files.reduce((s, f) => s + (f.images ?? 0), 0);
  console.log(`Installed CIFAR-10 (${images.toLocaleString('en-US')} images) into ${target}.`);
}

main().catch((error) => {
  console.error(`data: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
