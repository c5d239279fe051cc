'use client';
/**
 * The source article's two formulas for a convolution — dense, and sparse over Ω — with the current step's
 * numbers written into the terms (rendered with KaTeX). Indices follow the article: output position (i, j),
 * tap (m, n), input channel l, filter k; with stride s and padding p the input read is x at (i·s + m − p,
 * j·s + n − p).
 */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import { useMemo } from 'react';

export interface FormulaStep {
  /** Output position and filter. */
  i: number;
  j: number;
  k: number;
  /** Tap and input channel. */
  m: number;
  n: number;
  l: number;
  /** Input row and column read (may be in the padding). */
  row: number;
  col: number;
  x: number;
  w: number;
  inOmega: boolean;
}

const num = (v: number) => (Math.abs(v) < 0.005 ? '0' : v.toFixed(2));

function tex(source: string): string {
  return katex.renderToString(source, { throwOnError: false, displayMode: true, output: 'html' });
}

export function ConvFormula({ dense, sparse }: { dense: FormulaStep | null; sparse: FormulaStep | null }) {
  const html = useMemo(() => {
    const general = tex(
      String.raw`y_{i,j,k} = \sum_{m,n,l} x_{is+m-p,\,js+n-p,\,l}\cdot w_{m,n,l,k} \qquad y_{i,j,k} = \sum_{(m,n,l)\in\Omega_{i,j,k}} x_{is+m-p,\,js+n-p,\,l}\cdot w_{m,n,l,k}`,
    );
    const term = (s: FormulaStep, label: string, colour: string) =>
      tex(
        String.raw`\textsf{${label}:}\;\; y_{${s.i},${s.j},${s.k}} \mathrel{+}= \color{${colour}}{x_{${s.row},\,${s.col},\,${s.l}}}\cdot \color{${colour}}{w_{${s.m},${s.n},${s.l},${s.k}}} = ${num(s.x)}\cdot ${num(s.w)} = ${num(s.x * s.w)}\qquad (m,n,l) ${s.inOmega ? String.raw`\in` : String.raw`\notin`}\,\Omega_{${s.i},${s.j},${s.k}}`,
      );
    return { general, dense: dense ? term(dense, 'dense', '#1f5fbf') : '', sparse: sparse ? term(sparse, 'sparse', '#8f5200') : '' };
  }, [dense, sparse]);
  return (
    <div className="formula" data-testid="formula">
      <div dangerouslySetInnerHTML={{ __html: html.general }} />
      {html.dense && <div dangerouslySetInnerHTML={{ __html: html.dense }} data-testid="formula-dense" />}
      {html.sparse && <div dangerouslySetInnerHTML={{ __html: html.sparse }} data-testid="formula-sparse" />}
    </div>
  );
}
