import type { Metadata } from 'next';
import type { ComponentType, ReactNode } from 'react';
import { RootDocument } from '../../components/site/RootDocument';
import { ChinesePage } from '../../i18n/ChinesePage';
import { pageMetadata, segmentLocale } from '../../i18n/pageMetadata';
import { Locale, PREFIXED_LOCALES } from '../../i18n/paths';

const PAGE_LANGUAGE: Record<Exclude<Locale, 'en'>, ComponentType<{ children: ReactNode }>> = { 'zh-CN': ChinesePage };

/** Only the languages that have pages are built; any other first segment is a 404. */
export const dynamicParams = false;
export function generateStaticParams() {
  return PREFIXED_LOCALES.map((lang) => ({ lang }));
}

export async function generateMetadata({ params }: { params: Promise<{ lang: string }> }): Promise<Metadata> {
  return pageMetadata(segmentLocale((await params).lang), 'home');
}

/** The pages of every language but English, under its prefix: /zh-CN/, /zh-CN/step/, … */
export default async function PrefixedLayout({ children, params }: { children: ReactNode; params: Promise<{ lang: string }> }) {
  const locale = segmentLocale((await params).lang);
  if (locale === 'en') throw new Error('English pages live at the root, not under /en/');
  return (
    <RootDocument locale={locale} Language={PAGE_LANGUAGE[locale]}>
      {children}
    </RootDocument>
  );
}
