'use client';
/**
 * The page's language: English or Simplified Chinese. Chosen by `?lang=` in the URL (a shared link keeps
 * its language), else the learner's last choice (localStorage), else the browser's language.
 */
import { create } from 'zustand';
import { en } from './messages/en';
import { zhCN } from './messages/zh-CN';
import type { Messages } from './messages/en';
import { setEngineLocale } from '../engine/text/engineText';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

const STORAGE_KEY = 'sparse-cnn-lab.locale';
const MESSAGES: Record<Locale, Messages> = { en, 'zh-CN': zhCN };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The locale to start with, from the URL, the saved choice or the browser (en when nothing says). */
export function initialLocale(): Locale {
  if (typeof window === 'undefined') return 'en';
  const fromUrl = new URLSearchParams(window.location.search).get('lang');
  if (isLocale(fromUrl)) return fromUrl;
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // Storage may be blocked; the browser's language still tells.
  }
  return navigator.language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

interface LocaleState {
  locale: Locale;
  setLocale: (locale: Locale) => void;
}

export const useLocaleStore = create<LocaleState>((set) => ({
  // The static pages are rendered in English; LocaleSync switches after the first render.
  locale: 'en',
  setLocale: (locale) => {
    try {
      window.localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      // Not remembered, still switched.
    }
    document.documentElement.lang = locale;
    setEngineLocale(locale); // the engine code that runs on this thread (model text checks) too
    const url = new URL(window.location.href);
    if (url.searchParams.has('lang')) {
      url.searchParams.set('lang', locale);
      window.history.replaceState(window.history.state, '', url);
    }
    set({ locale });
  },
}));

/** The messages of the current language, outside React (for text made in event handlers). */
export function currentMessages(): Messages {
  return MESSAGES[useLocaleStore.getState().locale];
}

/** The messages of the current language. */
export function useMessages(): Messages {
  return MESSAGES[useLocaleStore((s) => s.locale)];
}

/** The current language, outside React. */
export function currentLocale(): Locale {
  return useLocaleStore.getState().locale;
}

export function useLocale(): Locale {
  return useLocaleStore((s) => s.locale);
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
