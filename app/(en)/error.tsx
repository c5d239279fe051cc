'use client';
/** A page that failed to render: the header stays, the page says what happened and offers a way on. */
import { ErrorReport } from '../../components/site/ErrorReport';

export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorReport error={error} reset={reset} />;
}
