'use client';
/** The 404 page: which address led nowhere, and the pages there are. */
import Link from 'next/link';
import { fill, useMessages, useLocalizedHref } from '../../i18n/locale';
import { useBrowserValue } from '../ui/useBrowserValue';

export function NotFound() {
  const m = useMessages();
  const href = useLocalizedHref();
  const path = useBrowserValue(() => window.location.pathname, '');
  return (
    <div className="page" data-testid="not-found">
      <h1>{m.problem.notFoundTitle}</h1>
      <p className="lede">{fill(m.problem.notFoundText, { path: path ? `“${path}”` : '' })}</p>
      <ul>
        <li>
          <Link href={href('/')}>{m.site.nav.home}</Link>
        </li>
        <li>
          <Link href={href('/step/')}>{m.site.nav.step}</Link>
        </li>
        <li>
          <Link href={href('/train/')}>{m.site.nav.train}</Link>
        </li>
        <li>
          <Link href={href('/cost/')}>{m.site.nav.cost}</Link>
        </li>
      </ul>
    </div>
  );
}
