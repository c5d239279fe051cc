'use client';
/**
 * A value only the browser knows (the address, the number of CPU threads), read without an effect: the
 * static HTML is rendered with `onServer`, and React swaps in the browser's value right after hydration.
 * `read` must return a primitive, so that reading twice gives the same snapshot.
 */
import { useSyncExternalStore } from 'react';

const subscribeToNothing = () => () => {};

export function useBrowserValue<T extends string | number | boolean | null>(read: () => T, onServer: T): T {
  return useSyncExternalStore(subscribeToNothing, read, () => onServer);
}
