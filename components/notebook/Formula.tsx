'use client';
/** A formula in TeX, typeset by KaTeX (loaded with the notebook's cells, not with the page). */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import { useMemo } from 'react';

export default function Formula({ tex, label, className = 'notebook-formula' }: { tex: string; label: string; className?: string }) {
  // Our own TeX (constants, or numbers the engine computed), never user input: safe to insert as markup.
  const html = useMemo(() => katex.renderToString(tex, { throwOnError: false, displayMode: true, output: 'html' }), [tex]);
  // Focusable: a long formula scrolls sideways in its own box, and a keyboard must be able to scroll it.
  return <div className={`formula ${className}`} role="math" aria-label={label} tabIndex={0} dangerouslySetInnerHTML={{ __html: html }} />;
}
