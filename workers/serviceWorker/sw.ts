/// <reference lib="webworker" />
/**
 * The service worker (Serwist): the installed app works after a reload with the network gone. Every page,
 * chunk, worker and our kernels' WebAssembly are precached at install (the list is injected by
 * scripts/buildServiceWorker.ts from what the build wrote); CIFAR-10's batches are kept once loaded
 * (cache first: 30 MB files that never change), its manifest is asked for fresh and kept for offline use.
 * TensorFlow.js's WebAssembly is the cost lab's on-demand reference: kept once asked for, never fetched
 * before.
 */
import { CacheFirst, NetworkFirst, Serwist, type PrecacheEntry } from 'serwist';

declare const self: ServiceWorkerGlobalScope & { __SW_MANIFEST: (PrecacheEntry | string)[] };

const serwist = new Serwist({
  precacheEntries: self.__SW_MANIFEST,
  // Pages are /train/index.html and friends; a link's query (?lab.model=…) is the page's own state.
  precacheOptions: {
    cleanupOutdatedCaches: true,
    directoryIndex: 'index.html',
    ignoreURLParametersMatching: [/.*/],
    plugins: [
      {
        // A cached response carries the URL it was stored under (without the query): a worker takes its
        // location from the response, and Turbopack's workers read their bootstrap from that query. A copy
        // without a URL keeps the request's.
        cachedResponseWillBeUsed: async ({ cachedResponse }) =>
          cachedResponse
            ? new Response(cachedResponse.body, { status: cachedResponse.status, statusText: cachedResponse.statusText, headers: cachedResponse.headers })
            : null,
      },
    ],
  },
  skipWaiting: true,
  clientsClaim: true,
  runtimeCaching: [
    {
      matcher: ({ url }) => url.origin === self.location.origin && /\/data\/cifar-10-batches-bin\/.+\.bin$/.test(url.pathname),
      handler: new CacheFirst({ cacheName: 'cifar-10-batches' }),
    },
    {
      matcher: ({ url }) => url.origin === self.location.origin && url.pathname.startsWith('/data/'),
      handler: new NetworkFirst({ cacheName: 'cifar-10-meta' }),
    },
    {
      matcher: ({ url }) => url.origin === self.location.origin && /tfjs-backend-wasm/.test(url.pathname),
      handler: new CacheFirst({ cacheName: 'tfjs-wasm' }),
    },
  ],
});

/**
 * At install, the quick data set (the first training batch, the test batch and their metadata) when this
 * server has CIFAR-10 installed: the page loads it before the service worker controls it, so without this
 * the first visit's data would not be there offline. More batches are kept as they load.
 */
const DATA = '/data/cifar-10-batches-bin/';
async function keepQuickData(): Promise<void> {
  const manifest = await fetch(`${DATA}manifest.json`, { cache: 'no-cache' }).catch(() => null);
  if (!manifest?.ok) return; // no data here: the learner opens the archive instead
  const meta = await caches.open('cifar-10-meta');
  await meta.put(`${DATA}manifest.json`, manifest.clone());
  await meta.add(`${DATA}batches.meta.txt`).catch(() => undefined);
  const batches = await caches.open('cifar-10-batches');
  await batches.addAll([`${DATA}data_batch_1.bin`, `${DATA}test_batch.bin`]).catch(() => undefined);
}
self.addEventListener('install', (event) => event.waitUntil(keepQuickData()));

serwist.addEventListeners();
