/**
 * Where each language's pages live: English at the root (`/`, `/step/`), every other language under its
 * own prefix (`/zh-CN/`, `/zh-CN/step/`), so a page's static HTML is already in its language. Pure
 * functions, shared by the pages, the language switch and the redirect that runs before the page paints.
 */
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** The languages that live under a prefix (every one but English). */
export const PREFIXED_LOCALES = LOCALES.filter((l) => l !== DEFAULT_LOCALE);

/** Where the learner's choice of language is remembered (localStorage). */
export const LOCALE_STORAGE_KEY = 'sparse-cnn-lab.locale';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The language a path belongs to: `/zh-CN/step/` → zh-CN, `/step/` → en. */
export function pathLocale(pathname: string): Locale {
  const first = pathname.split('/')[1];
  return isLocale(first) && first !== DEFAULT_LOCALE ? first : DEFAULT_LOCALE;
}

/** The same page in another language: localizedPath('zh-CN', '/step/') → '/zh-CN/step/', and back. */
export function localizedPath(locale: Locale, pathname: string): string {
  const here = pathLocale(pathname);
  const base = here === DEFAULT_LOCALE ? pathname : pathname.slice(here.length + 1) || '/';
  return locale === DEFAULT_LOCALE ? base : `/${locale}${base}`;
}

/**
 * The script at the top of every page (it runs before the body is parsed): a `?lang=` link, the learner's
 * remembered choice or — when nothing was chosen — a Chinese browser opens the page in that language. A link
 * with `?lang=` remembers its language, as choosing it in the header does. A page under a language's own
 * prefix is never moved by the remembered choice: its address already says which language it wants.
 */
export function languageRedirectScript(): string {
  // Written out whole (it runs before any bundle): the same rules as pathLocale and localizedPath. The
  // page's language is read from its address, so the one 404 page serves every language's unknown paths.
  const code = (locales: readonly string[], fallback: string, key: string) => {
    const url = new URL(window.location.href);
    const first = url.pathname.split('/')[1];
    const here = first !== fallback && locales.includes(first) ? first : fallback;
    const asked = url.searchParams.get('lang');
    let want: string | null = null;
    let saved: string | null = null;
    try {
      saved = window.localStorage.getItem(key);
      if (asked !== null && locales.includes(asked)) window.localStorage.setItem(key, asked);
    } catch {
      // Storage may be blocked: the link and the browser still tell.
    }
    if (asked !== null && locales.includes(asked)) want = asked;
    else if (here === fallback) {
      if (saved !== null && locales.includes(saved)) want = saved;
      else if (saved === null && /^zh/i.test(navigator.language || '')) want = 'zh-CN';
    }
    if (want === null || want === here) return;
    const base = here === fallback ? url.pathname : url.pathname.slice(here.length + 1) || '/';
    url.pathname = want === fallback ? base : '/' + want + base;
    window.location.replace(url.href);
  };
  return `(${code.toString()})(${JSON.stringify(LOCALES)},${JSON.stringify(DEFAULT_LOCALE)},${JSON.stringify(LOCALE_STORAGE_KEY)})`;
}
