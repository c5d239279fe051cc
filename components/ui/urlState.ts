'use client';
/**
 * A figure parameter that lives in the URL's query (TensorFlow Playground style): opening a shared link
 * reproduces the figure. Values are read right after hydration and written back with replaceState, so the
 * back button is not flooded.
 */
import { useCallback, useState } from 'react';
import { useBrowserValue } from './useBrowserValue';

export function useUrlState<T extends string | number>(key: string, initial: T, parse: (raw: string) => T | null): [T, (value: T) => void] {
  // The URL's value until the learner chooses one (the static HTML shows `initial`).
  const raw = useBrowserValue(() => new URLSearchParams(window.location.search).get(key), null);
  const [chosen, setChosen] = useState<{ value: T } | null>(null);
  const fromUrl = raw === null ? null : parse(raw);
  const value = chosen ? chosen.value : (fromUrl ?? initial);
  const set = useCallback(
    (next: T) => {
      setChosen({ value: next });
      const url = new URL(window.location.href);
      if (next === initial) url.searchParams.delete(key);
      else url.searchParams.set(key, String(next));
      window.history.replaceState(window.history.state, '', url);
    },
    [key, initial],
  );
  return [value, set];
}

/** Parsers that refuse what a figure cannot use (a hand-edited URL gets the default instead). */
export const oneOf =
  <T extends string>(...allowed: T[]) =>
  (raw: string): T | null =>
    (allowed as string[]).includes(raw) ? (raw as T) : null;

export const integerIn =
  (min: number, max: number) =>
  (raw: string): number | null => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max ? n : null;
  };

/** One query parameter, parsed, or null when absent or unusable. */
export function readQuery<T>(key: string, parse: (raw: string) => T | null): T | null {
  if (typeof window === 'undefined') return null;
  const raw = new URLSearchParams(window.location.search).get(key);
  return raw === null ? null : parse(raw);
}

/** Writes several query parameters at once (null removes one), without a new history entry. */
export function writeQuery(entries: Record<string, string | number | null>): void {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(entries)) {
    if (value === null) url.searchParams.delete(key);
    else url.searchParams.set(key, String(value));
  }
  if (url.href !== window.location.href) window.history.replaceState(window.history.state, '', url);
}

export const numberIn =
  (min: number, max: number) =>
  (raw: string): number | null => {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) && n >= min && n <= max ? n : null;
  };
