'use client';
/** The header on every page: the app's name, the main navigation and the language switch. */
import Link from 'next/link';
import { LOCALES, useLocaleStore, useMessages } from '../../i18n/locale';

/** Each language named in itself, so a learner finds theirs whatever the page's language. */
const LANGUAGE_NAMES = { en: 'English', 'zh-CN': '中文' } as const;

export function SiteHeader() {
  const m = useMessages();
  const locale = useLocaleStore((s) => s.locale);
  const setLocale = useLocaleStore((s) => s.setLocale);
  return (
    <>
      <a className="skip-link" href="#main">
        {m.site.skip}
      </a>
      <header className="site-header">
        <Link href="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            ▦
          </span>
          {m.site.name}
        </Link>
        <nav aria-label={m.site.navLabel}>
          <Link href="/">{m.site.nav.home}</Link>
          <Link href="/step/">{m.site.nav.step}</Link>
          <Link href="/train/">{m.site.nav.train}</Link>
          <Link href="/cost/">{m.site.nav.cost}</Link>
        </nav>
        <div className="language-switch" role="group" aria-label={m.site.language}>
          {LOCALES.map((l) => (
            <button
              key={l}
              type="button"
              lang={l}
              aria-pressed={locale === l}
              className={locale === l ? 'active' : undefined}
              onClick={() => setLocale(l)}
              data-testid={`lang-${l}`}
            >
              {LANGUAGE_NAMES[l]}
            </button>
          ))}
        </div>
      </header>
    </>
  );
}
