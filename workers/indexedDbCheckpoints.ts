/**
 * The browser's CheckpointStore: each run slot's latest checkpoint in IndexedDB (available in workers), so a
 * run survives a reload. One object store, keyed by slot.
 *
 * - A save resolves when its transaction commits, not when its request succeeds: a transaction that the
 *   browser aborts for lack of space (QuotaExceededError) rejects, with how full the storage is.
 * - One tab at a time owns the saved runs (a Web Lock held for the worker's lifetime): a second tab neither
 *   restores nor overwrites them, and says so, so two tabs never save over each other's runs.
 * - A failed open is not remembered (the next call tries again); a newer version of the app opening the
 *   database elsewhere makes this one close its connection instead of blocking it.
 */
import type { CheckpointStore, RunId } from '../engine/train/session';
import { engineText } from '../engine/text/engineText';

const DB_NAME = 'sparse-cnn-lab';
const STORE = 'checkpoints';
const OWNER_LOCK = 'sparse-cnn-lab.saved-runs';
/** A reload's new worker may ask before the old one's lock is released: it waits this long for it. */
const LOCK_WAIT_MS = 2000;

/** A save that did not happen, with the reason in the page's language. */
export class CheckpointStoreError extends Error {
  override name = 'CheckpointStoreError';
}

const MB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

async function failure(error: unknown): Promise<Error> {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'QuotaExceededError') {
    const estimate = await navigator.storage?.estimate?.().catch(() => null);
    // The numbers only when they show it (a browser may refuse before its estimate says full).
    const nearlyFull = estimate?.quota && (estimate.usage ?? 0) >= 0.8 * estimate.quota;
    return new CheckpointStoreError(
      nearlyFull ? engineText('storage.full', { used: MB(estimate.usage ?? 0), quota: MB(estimate.quota!) }) : engineText('storage.fullUnknown'),
    );
  }
  return new CheckpointStoreError(engineText('storage.failed', { error: (error as Error | null)?.message ?? String(error) }));
}

/** Whether this worker owns the saved runs: true once it holds the lock, false when another tab does. */
function ownSavedRuns(): Promise<boolean> {
  const locks = (self.navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return Promise.resolve(true); // no Web Locks: nothing to coordinate with
  return new Promise((resolve) => {
    locks
      .request(OWNER_LOCK, { signal: AbortSignal.timeout(LOCK_WAIT_MS) }, () => {
        resolve(true);
        return new Promise<void>(() => {}); // held until this worker ends
      })
      .catch(() => resolve(false)); // timed out: another tab holds it
  });
}

export function indexedDbCheckpoints(): CheckpointStore | undefined {
  if (typeof indexedDB === 'undefined') return undefined;
  let db: Promise<IDBDatabase> | null = null;
  let owner: Promise<boolean> | null = null;
  const owned = () => (owner ??= ownSavedRuns());
  const open = () => {
    db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(DB_NAME, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => {
        const connection = r.result;
        connection.onversionchange = () => {
          connection.close();
          db = null;
        };
        resolve(connection);
      };
      r.onerror = () => reject(r.error ?? new Error('IndexedDB is not available'));
      r.onblocked = () => reject(new CheckpointStoreError(engineText('storage.blocked')));
    }).catch((error) => {
      db = null; // try again next time
      throw error;
    });
    return db;
  };
  /** Runs one request in its own transaction; resolves with its result once the transaction has committed. */
  const inTransaction = async <T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const tx = (await open()).transaction(STORE, mode);
    const request = act(tx.objectStore(STORE));
    try {
      return await new Promise<T>((resolve, reject) => {
        tx.oncomplete = () => resolve(request.result);
        tx.onabort = () => reject(tx.error ?? request.error ?? new Error('the transaction was aborted'));
        tx.onerror = () => reject(tx.error ?? request.error ?? new Error('the transaction failed'));
      });
    } catch (error) {
      throw await failure(error);
    }
  };
  return {
    async save(runId: RunId, bytes: Uint8Array) {
      if (!(await owned())) throw new CheckpointStoreError(engineText('storage.otherTab'));
      // Stored as a Blob: large checkpoints stay out of the structured-clone heap.
      await inTransaction('readwrite', (store) => store.put(new Blob([bytes as BlobPart]), runId));
    },
    async load(runId: RunId) {
      if (!(await owned())) return null;
      const value = await inTransaction('readonly', (store) => store.get(runId));
      return value instanceof Blob ? new Uint8Array(await value.arrayBuffer()) : null;
    },
    async remove(runId: RunId) {
      if (!(await owned())) return;
      await inTransaction('readwrite', (store) => store.delete(runId));
    },
    async unavailableReason() {
      return (await owned()) ? null : engineText('storage.otherTabNote');
    },
  };
}
