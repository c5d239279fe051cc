'use client';
/**
 * The last line of defence: a root layout itself failed, so this draws the whole document. It loads the
 * messages of the address's language only now (no page carries them for this rare case).
 */
import { useEffect, useState } from 'react';
import { ErrorReport } from '../components/site/ErrorReport';
import { LocaleProvider, PageLanguage } from '../i18n/locale';
import { pathLocale } from '../i18n/paths';
import './globals.css';

export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const [language, setLanguage] = useState<PageLanguage | null>(null);
  useEffect(() => {
    const locale = pathLocale(window.location.pathname);
    const messages = locale === 'zh-CN' ? import('../i18n/messages/zh-CN').then((m) => m.zhCN) : import('../i18n/messages/en').then((m) => m.en);
    void messages.then((loaded) => setLanguage({ locale, messages: loaded }));
  }, []);
  return (
    <html lang={language?.locale ?? pathLocale(typeof window === 'undefined' ? '/' : window.location.pathname)}>
      <body>
        <main id="main">
          {language ? (
            <LocaleProvider language={language}>
              <ErrorReport error={error} reset={reset} />
            </LocaleProvider>
          ) : null}
        </main>
      </body>
    </html>
  );
}
