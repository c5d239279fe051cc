import type { Metadata } from 'next';
import { RootDocument } from '../../components/site/RootDocument';
import { EnglishPage } from '../../i18n/EnglishPage';
import { pageMetadata } from '../../i18n/pageMetadata';

export const metadata: Metadata = pageMetadata('en', 'home');

/** The English pages, at the site's root: /, /step/, /train/, /cost/. */
export default function EnglishLayout({ children }: { children: React.ReactNode }) {
  return (
    <RootDocument locale="en" Language={EnglishPage}>
      {children}
    </RootDocument>
  );
}
