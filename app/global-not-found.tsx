import type { Metadata } from 'next';
import { NotFoundDocument } from '../components/site/NotFoundDocument';
import { pageMetadata } from '../i18n/pageMetadata';
import { languageRedirectScript } from '../i18n/paths';
import './globals.css';

export const metadata: Metadata = pageMetadata('en', 'notFound');

/** Every address that leads nowhere, in any language (the app has a root layout per language). */
export default function GlobalNotFound() {
  return (
    <html lang="en">
      <head>
        <script dangerouslySetInnerHTML={{ __html: languageRedirectScript() }} />
      </head>
      <body>
        <NotFoundDocument />
      </body>
    </html>
  );
}
