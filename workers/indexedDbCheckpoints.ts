/**
 * The browser's CheckpointStore: each run slot's latest checkpoint in IndexedDB (available in workers), so a
 * run survives a reload. One object store, keyed by slot.
 */
import type { CheckpointStore, RunId } from '../engine/train/session';

const DB_NAME = 'sparse-cnn-lab';
const STORE = 'checkpoints';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

export function indexedDbCheckpoints(): CheckpointStore | undefined {
  if (typeof indexedDB === 'undefined') return undefined;
  let db: Promise<IDBDatabase> | null = null;
  const open = () => {
    db ??= new Promise((resolve, reject) => {
      const r = indexedDB.open(DB_NAME, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error('IndexedDB is not available'));
    });
    return db;
  };
  const transaction = async (mode: IDBTransactionMode) => (await open()).transaction(STORE, mode).objectStore(STORE);
  return {
    async save(runId: RunId, bytes: Uint8Array) {
      // Stored as a Blob: large checkpoints stay out of the structured-clone heap.
      await request((await transaction('readwrite')).put(new Blob([bytes as BlobPart]), runId));
    },
    async load(runId: RunId) {
      const value = await request((await transaction('readonly')).get(runId));
      return value instanceof Blob ? new Uint8Array(await value.arrayBuffer()) : null;
    },
    async remove(runId: RunId) {
      await request((await transaction('readwrite')).delete(runId));
    },
  };
}
