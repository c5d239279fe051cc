'use client';
/**
 * What a page shows when it hits an error while rendering (app/error.tsx, app/global-error.tsx): what
 * happened, that nothing saved is lost, a way back, and the error as text with a button that copies it
 * for a bug report.
 */
import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import { useMessages, useLocalizedHref } from '../../i18n/locale';

/** The error as a bug report wants it: message, where, when, which browser, and the stack. */
function reportText(error: Error & { digest?: string }): string {
  return [
    `${error.name}: ${error.message}`,
    error.digest ? `digest: ${error.digest}` : null,
    `page: ${window.location.href}`,
    `time: ${new Date().toISOString()}`,
    `browser: ${navigator.userAgent}`,
    '',
    error.stack ?? '',
  ]
    .filter((line) => line !== null)
    .join('\n');
}

export function ErrorReport({ error, reset }: { error: Error & { digest?: string }; reset?: () => void }) {
  const m = useMessages().problem;
  const href = useLocalizedHref();
  // Error pages render in the browser only (never in the static HTML), so the browser's facts are there.
  const report = useMemo(() => reportText(error), [error]);
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => console.error(error), [error]);
  const copyReport = async () => {
    try {
      await navigator.clipboard.writeText(report);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };
  return (
    <div className="page error-report" role="alert" data-testid="error-report">
      <h1>{m.title}</h1>
      <p className="lede">{m.explain}</p>
      <div className="error-actions">
        {reset ? (
          <button type="button" className="button primary" onClick={reset} data-testid="error-retry">
            {m.retry}
          </button>
        ) : null}
        <button type="button" className="button" onClick={() => window.location.reload()}>
          {m.reload}
        </button>
        <Link className="button" href={href('/')}>
          {m.home}
        </Link>
      </div>
      <label htmlFor="error-details" className="error-details-label">
        {m.detailsLabel}
      </label>
      <textarea id="error-details" className="error-details" readOnly value={report} rows={8} data-testid="error-details" />
      <p>
        <button type="button" className="button" onClick={copyReport} data-testid="error-copy">
          {m.copy}
        </button>{' '}
        <span aria-live="polite" data-testid="error-copy-status">
          {copy === 'copied' ? m.copied : copy === 'failed' ? m.copyFailed : ''}
        </span>
      </p>
    </div>
  );
}
