/**
 * The page's side of the engine worker: one worker per page, created on first use.
 * Callbacks cross the boundary as Comlink proxies.
 */
import * as Comlink from 'comlink';
import type { EngineWorkerApi } from './engine.worker';
import { currentLocale } from '../i18n/locale';

let remote: Comlink.Remote<EngineWorkerApi> | null = null;
const errorListeners = new Set<(message: string) => void>();

export function engineWorker(): Comlink.Remote<EngineWorkerApi> {
  if (!remote) {
    const worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });
    // Comlink calls never settle if the worker itself dies; tell the page instead of waiting forever.
    worker.addEventListener('error', (event) => {
      const message = event.message || 'the engine worker could not start';
      for (const listener of errorListeners) listener(message);
    });
    const wrapped = Comlink.wrap<EngineWorkerApi>(worker);
    remote = wrapped;
    // The engine speaks the page's language, from the first message on (calls are handled in order).
    void wrapped.setLocale(currentLocale());
  }
  return remote;
}

/** Calls `listener` when the worker fails outside any call (a load error, an uncaught exception). */
export function onEngineWorkerError(listener: (message: string) => void): () => void {
  errorListeners.add(listener);
  return () => {
    errorListeners.delete(listener);
  };
}

export const proxy = Comlink.proxy;
