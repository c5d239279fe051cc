'use client';
/** The header on every page: the app's name, the main navigation and the language switch. */
import Link from 'next/link';
import { useState } from 'react';
import { fill, LOCALES, Locale, useLocale, useLocalizedHref, useMessages } from '../../i18n/locale';
import { LOCALE_STORAGE_KEY, localizedPath } from '../../i18n/paths';
import { useBrowserValue } from '../ui/useBrowserValue';
import { prepareToLeave } from './leavingPage';
import { errorMessage } from '../ui/errorMessage';

/** Each language named in itself, so a learner finds theirs whatever the page's language. */
const LANGUAGE_NAMES = { en: 'English', 'zh-CN': '中文' } as const;

/**
 * The same page in another language, with the figures' settings (the query) and the place (the hash) the
 * learner has now: they change after the link was drawn, so the address is made at the click. The other
 * page must be reachable first (offline, this page stays, and whatever runs here goes on); then the page's
 * work is put away (a training pauses and saves) and the other page opens. Returns why it could not, or null.
 */
async function switchLanguage(to: Locale): Promise<string | null> {
  const url = new URL(window.location.href);
  url.searchParams.delete('lang'); // the address itself now says the language
  url.pathname = localizedPath(to, url.pathname);
  try {
    const response = await fetch(url.pathname, { method: 'HEAD', cache: 'no-store' });
    // A 404 still opens (the unknown address gets its page in that language); a failing server does not.
    if (response.status >= 500) return `HTTP ${response.status}`;
  } catch (error) {
    return errorMessage(error);
  }
  await prepareToLeave();
  try {
    window.localStorage.setItem(LOCALE_STORAGE_KEY, to);
  } catch {
    // Not remembered; the page still opens in that language.
  }
  window.location.assign(url.href);
  return null;
}

export function SiteHeader() {
  const m = useMessages();
  const locale = useLocale();
  const href = useLocalizedHref();
  const pathname = useBrowserValue(() => window.location.pathname, '/');
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <>
      <a className="skip-link" href="#main">
        {m.site.skip}
      </a>
      <header className="site-header">
        <Link href={href('/')} className="brand">
          <span className="brand-mark" aria-hidden="true">
            ▦
          </span>
          {m.site.name}
        </Link>
        <nav aria-label={m.site.navLabel}>
          <Link href={href('/')}>{m.site.nav.home}</Link>
          <Link href={href('/step/')}>{m.site.nav.step}</Link>
          <Link href={href('/train/')}>{m.site.nav.train}</Link>
          <Link href={href('/cost/')}>{m.site.nav.cost}</Link>
        </nav>
        <div className="language-switch" role="group" aria-label={m.site.language}>
          {LOCALES.map((l) => (
            <a
              key={l}
              href={localizedPath(l, pathname)}
              lang={l}
              hrefLang={l}
              aria-current={locale === l ? 'true' : undefined}
              className={locale === l ? 'active' : undefined}
              onClick={(event) => {
                event.preventDefault();
                if (locale === l) return;
                setProblem(null);
                void switchLanguage(l).then((reason) => reason && setProblem(fill(m.site.switchFailed, { language: LANGUAGE_NAMES[l], reason })));
              }}
              data-testid={`lang-${l}`}
            >
              {LANGUAGE_NAMES[l]}
            </a>
          ))}
        </div>
        {problem && (
          <p className="switch-problem" role="status" data-testid="language-problem">
            {problem}
          </p>
        )}
      </header>
    </>
  );
}
