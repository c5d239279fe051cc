'use client';
/** The last line of defence: the root layout itself failed, so this draws the whole document. */
import { ErrorReport } from '../components/site/ErrorReport';
import { useLocale } from '../i18n/locale';
import './globals.css';

export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const locale = useLocale();
  return (
    <html lang={locale}>
      <body>
        <main id="main">
          <ErrorReport error={error} reset={reset} />
        </main>
      </body>
    </html>
  );
}
