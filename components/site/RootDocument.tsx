/**
 * The document around every page, in the page's language: `<html lang>`, the redirect that honours a
 * `?lang=` link or the remembered choice before anything paints, the header, the page and the footer.
 * Each language's root layout passes its own messages provider, so a page ships one language only.
 */
import type { ComponentType, ReactNode } from 'react';
import { languageRedirectScript, Locale } from '../../i18n/paths';
import { DeviceNote } from '../ui/DeviceNote';
import { ServiceWorker } from './ServiceWorker';
import { SiteHeader } from './SiteHeader';
import '../../app/globals.css';

export function RootDocument({ locale, Language, children }: { locale: Locale; Language: ComponentType<{ children: ReactNode }>; children: ReactNode }) {
  return (
    <html lang={locale}>
      {/* eslint-disable-next-line @next/next/no-head-element -- an App Router root layout writes its own <head> (next/head is the Pages Router's) */}
      <head>
        <script dangerouslySetInnerHTML={{ __html: languageRedirectScript() }} />
      </head>
      <body>
        <Language>
          <SiteHeader />
          <main id="main">{children}</main>
          <footer className="site-footer">
            <DeviceNote />
          </footer>
          <ServiceWorker />
        </Language>
      </body>
    </html>
  );
}
