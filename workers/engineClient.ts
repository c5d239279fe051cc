/**
 * The page's side of the engine worker: one worker per page, created on first use.
 * Callbacks cross the boundary as Comlink proxies.
 */
import * as Comlink from 'comlink';
import type { EngineWorkerApi } from './engine.worker';

let remote: Comlink.Remote<EngineWorkerApi> | null = null;

export function engineWorker(): Comlink.Remote<EngineWorkerApi> {
  if (!remote) {
    const worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
    remote = Comlink.wrap<EngineWorkerApi>(worker);
  }
  return remote;
}

export const proxy = Comlink.proxy;
