'use client';
/**
 * Registers the service worker (workers/serviceWorker/sw.ts, built into the static export as /sw.js) once
 * the page is up: from then on the app, its workers, its WebAssembly and the CIFAR-10 batches it loaded
 * work after a reload with the network gone. Not in `next dev` (no export there, nothing to cache).
 */
import { useEffect } from 'react';

export function ServiceWorker() {
  useEffect(() => {
    if (process.env.NODE_ENV !== 'production' || !('serviceWorker' in navigator)) return;
    // After the page's own work: installing fetches the app's files in the background.
    const register = () => void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
    if (document.readyState === 'complete') register();
    else window.addEventListener('load', register, { once: true });
  }, []);
  return null;
}
