'use client';
/**
 * The page's language: English or Simplified Chinese, fixed for the page by its address (`/step/` or
 * `/zh-CN/step/`, see paths.ts). Each language's root layout wraps the page in its LocaleProvider, so a page
 * loads its own language's messages only, and the static HTML is already in that language.
 */
import { createContext, createElement, ReactNode, useContext } from 'react';
import type { Messages } from './messages/en';
import { DEFAULT_LOCALE, Locale, localizedPath } from './paths';
import { setEngineLocale } from '../engine/text/engineLocale';

export { LOCALES, isLocale } from './paths';
export type { Locale } from './paths';

export interface PageLanguage {
  locale: Locale;
  messages: Messages;
}

const LanguageContext = createContext<PageLanguage | null>(null);

/**
 * The page's language outside React (event handlers, the engine worker). Only one language is ever shown
 * in a browser tab, so module state is safe there; the server renders both, so React reads the context.
 */
let pageLanguage: PageLanguage | null = null;

export function LocaleProvider({ language, children }: { language: PageLanguage; children: ReactNode }) {
  if (typeof window !== 'undefined' && pageLanguage !== language) {
    pageLanguage = language;
    setEngineLocale(language.locale); // the engine code that runs on this thread (model text checks) too
  }
  return createElement(LanguageContext.Provider, { value: language }, children);
}

function languageNow(): PageLanguage {
  if (!pageLanguage) throw new Error('the page language is read before its LocaleProvider rendered');
  return pageLanguage;
}

/** The messages of the page's language, outside React (for text made in event handlers). */
export function currentMessages(): Messages {
  return languageNow().messages;
}

/** The page's language, outside React. */
export function currentLocale(): Locale {
  return pageLanguage?.locale ?? DEFAULT_LOCALE;
}

function usePageLanguage(): PageLanguage {
  return useContext(LanguageContext) ?? languageNow();
}

/** The messages of the page's language. */
export function useMessages(): Messages {
  return usePageLanguage().messages;
}

export function useLocale(): Locale {
  return usePageLanguage().locale;
}

/** Fills `{name}` placeholders: fill('step {n} of {total}', { n: 3, total: 9 }). */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

/**
 * One Intl.NumberFormat per language and style, made once: `toLocaleString(locale, …)` builds a new one on
 * every call, and a training page formats hundreds of numbers several times a second.
 */
const formatters = new Map<string, Intl.NumberFormat>();
function formatter(locale: Locale, style: 'decimal' | 'percent', digits: number | undefined): Intl.NumberFormat {
  const key = `${locale}/${style}/${digits ?? ''}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, digits === undefined ? { style } : { style, minimumFractionDigits: digits, maximumFractionDigits: digits });
    formatters.set(key, f);
  }
  return f;
}

/**
 * A count in SI steps — 1.23 G, 45.6 M, 7.8 k — the way multiply counters are read (trailing zeros dropped;
 * the same in every language: G/M/k are the engineer's units, not words).
 */
export function compactCount(value: number): string {
  if (value >= 1e9) return `${+(value / 1e9).toFixed(2)} G`;
  if (value >= 1e6) return `${+(value / 1e6).toFixed(1)} M`;
  if (value >= 1e3) return `${+(value / 1e3).toFixed(1)} k`;
  return String(value);
}

/** A size in bytes, in binary steps: 1.25 MiB, 3.4 KiB, 512 B (the same in every language). */
export function byteSize(value: number): string {
  if (value >= 1 << 20) return `${(value / (1 << 20)).toFixed(2)} MiB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${value} B`;
}

/** A duration as a clock reads it at a glance: 2 h 5 min, 3 min 12 s, 45 s (whole units, in the page's language). */
export function formatDuration(seconds: number, m: Messages['durations']): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return fill(m.hours, { h, min });
  if (min > 0) return fill(m.minutes, { min, s });
  return fill(m.seconds, { s });
}

/** Numbers written the way a language writes them. */
export function numberFormat(locale: Locale) {
  return {
    number: (value: number, digits?: number) => formatter(locale, 'decimal', digits).format(value),
    percent: (value: number, digits = 0) => formatter(locale, 'percent', digits).format(value),
  };
}

/** Numbers written the way the current language writes them. */
export function useNumberFormat() {
  return numberFormat(useLocale());
}

/** A path of this site in the page's language: href('/train/') is '/zh-CN/train/' on a Chinese page. */
export function useLocalizedHref(): (path: string) => string {
  const locale = useLocale();
  return (path: string) => localizedPath(locale, path);
}
