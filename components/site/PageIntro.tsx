'use client';
/** A page's title and opening paragraph, in the learner's language. */
import { useMessages } from '../../i18n/locale';

export function PageIntro({ page }: { page: 'step' | 'train' | 'cost' }) {
  const m = useMessages().pages[page];
  return (
    <>
      <h1>{m.title}</h1>
      <p className="lede">{m.lede}</p>
    </>
  );
}
