/// <reference lib="webworker" />
/**
 * The browser's CrossoverStore: each backend's measured crossover in IndexedDB, keyed by backend and device
 * (this browser's user agent and thread count — a profile synced to another machine measures again). Its
 * own small database, apart from the saved runs. Anything it cannot do (no IndexedDB, a failed open, a
 * record that is not one) reads as "not measured yet": the engine then measures.
 */
import type { BackendName } from '../engine/backend/backend';
import type { CrossoverMeasurement, CrossoverStore } from '../engine/cost/calibration';

const DB_NAME = 'sparse-cnn-lab.measurements';
const STORE = 'crossovers';

function deviceKey(backend: BackendName): string {
  return `${backend}|${self.navigator.hardwareConcurrency ?? 0}|${self.navigator.userAgent}`;
}

function isMeasurement(value: unknown, backend: BackendName): value is CrossoverMeasurement {
  const m = value as CrossoverMeasurement | null;
  const density = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
  // A damaged record reads as not measured (the engine measures again) rather than failing a run.
  return (
    !!m && m.backend === backend && density(m.crossover) && (m.weightCrossover === undefined || density(m.weightCrossover)) && typeof m.measuredAt === 'string'
  );
}

export function indexedDbCrossovers(): CrossoverStore | undefined {
  if (typeof indexedDB === 'undefined') return undefined;
  let db: Promise<IDBDatabase> | null = null;
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    }).catch((error) => {
      db = null; // the next call tries again
      throw error;
    }));
  const inStore = <R>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<R>) =>
    open().then(
      (d) =>
        new Promise<R>((resolve, reject) => {
          const tx = d.transaction(STORE, mode);
          const request = run(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(request.result);
          tx.onerror = tx.onabort = () => reject(tx.error ?? request.error);
        }),
    );
  return {
    async load(backend) {
      const value = await inStore('readonly', (s) => s.get(deviceKey(backend))).catch(() => null);
      return isMeasurement(value, backend) ? value : null;
    },
    async save(measurement) {
      await inStore('readwrite', (s) => s.put(measurement, deviceKey(measurement.backend)));
    },
  };
}
