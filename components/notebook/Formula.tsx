'use client';
/** A formula in TeX, typeset by KaTeX (loaded with the notebook's cells, not with the page). */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import { useMemo } from 'react';

export default function Formula({ tex, label }: { tex: string; label: string }) {
  // Our own constant TeX, never user input: safe to insert as markup.
  const html = useMemo(() => katex.renderToString(tex, { throwOnError: false, displayMode: true, output: 'html' }), [tex]);
  return <div className="formula notebook-formula" role="math" aria-label={label} dangerouslySetInnerHTML={{ __html: html }} />;
}
