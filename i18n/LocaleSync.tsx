'use client';
import { useEffect } from 'react';
import { initialLocale, useLocaleStore } from './locale';

/** Applies the starting language once the page is in the browser (the static HTML is English). */
export function LocaleSync() {
  useEffect(() => {
    const locale = initialLocale();
    if (locale !== useLocaleStore.getState().locale) useLocaleStore.getState().setLocale(locale);
    else document.documentElement.lang = locale;
  }, []);
  return null;
}
