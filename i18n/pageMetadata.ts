/**
 * Each page's title and description in its language, for the static HTML (server side only: the pages'
 * browser code never loads this module, so it may know every language).
 */
import type { Metadata } from 'next';
import { en } from './messages/en';
import type { Messages } from './messages/en';
import { zhCN } from './messages/zh-CN';
import { localizedPath, LOCALES, Locale } from './paths';

const MESSAGES: Record<Locale, Messages> = { en, 'zh-CN': zhCN };

export type PageName = keyof Messages['site']['titles'];

const PATHS: Record<Exclude<PageName, 'notFound'>, string> = { home: '/', step: '/step/', train: '/train/', cost: '/cost/' };

export function pageMetadata(locale: Locale, page: PageName): Metadata {
  const site = MESSAGES[locale].site;
  return {
    title: site.titles[page],
    description: site.description,
    // Each page names its other-language twin, so search engines and readers can find it.
    alternates: page === 'notFound' ? undefined : { languages: Object.fromEntries(LOCALES.map((l) => [l, localizedPath(l, PATHS[page])])) },
  };
}

/** The language of a `[lang]` route segment (generateStaticParams lists the only ones that exist). */
export function segmentLocale(lang: string): Locale {
  const locale = LOCALES.find((l) => l === lang);
  if (!locale) throw new Error(`no pages in the language "${lang}"`);
  return locale;
}
