'use client';
/**
 * The source article's two formulas for a convolution — dense, and sparse over Ω — with the current step's
 * numbers written into the terms (rendered with KaTeX). Indices follow the article: output position (i, j),
 * tap (m, n), input channel l, filter k; with stride s and padding p the input read is x at (i·s + m − p,
 * j·s + n − p). Each live term (x, w, y) is tagged, so pointing at it lights its cell in the grids, and
 * pointing at a lit cell lights its term.
 */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import { useEffect, useMemo, useRef } from 'react';

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

/** A live term of one order's formula: its input, its weight or the output it adds to. */
export interface FormulaTerm {
  order: 'dense' | 'sparse';
  term: 'x' | 'w' | 'y';
}

const num = (v: number) => (Math.abs(v) < 0.005 ? '0' : v.toFixed(2));

function tex(source: string): string {
  return katex.renderToString(source, {
    throwOnError: false,
    displayMode: true,
    output: 'html',
    // \htmlData only tags our own terms (the source is ours, never the learner's).
    trust: (context) => context.command === '\\htmlData',
    strict: (code: string) => (code === 'htmlExtension' ? 'ignore' : 'warn'),
  });
}

function termOf(element: EventTarget | null): FormulaTerm | null {
  const tagged = element instanceof Element ? element.closest('[data-term]') : null;
  const [order, term] = (tagged?.getAttribute('data-term') ?? '').split('-');
  return (order === 'dense' || order === 'sparse') && (term === 'x' || term === 'w' || term === 'y') ? { order, term } : null;
}

export function ConvFormula({
  dense,
  sparse,
  linked,
  onLink,
  labels,
}: {
  /** The two orders' names in the page's language (outside KaTeX, which has no CJK glyphs). */
  labels: { dense: string; sparse: string };
  dense: FormulaStep | null;
  sparse: FormulaStep | null;
  /** The term to light (its cell is pointed at in a grid), or null. */
  linked: FormulaTerm | null;
  onLink: (term: FormulaTerm | null) => void;
}) {
  // The general formulas never change: made once, not at every playback frame.
  const general = useMemo(
    () =>
      tex(
        String.raw`y_{i,j,k} = \sum_{m,n,l} x_{is+m-p,\,js+n-p,\,l}\cdot w_{m,n,l,k} \qquad y_{i,j,k} = \sum_{(m,n,l)\in\Omega_{i,j,k}} x_{is+m-p,\,js+n-p,\,l}\cdot w_{m,n,l,k}`,
      ),
    [],
  );
  const html = useMemo(() => {
    const term = (s: FormulaStep, label: 'dense' | 'sparse', colour: string) => {
      const tag = (name: string, body: string) => String.raw`\htmlData{term=${label}-${name}}{${body}}`;
      return tex(
        String.raw`${tag('y', `y_{${s.i},${s.j},${s.k}}`)} \mathrel{+}= ${tag('x', String.raw`\color{${colour}}{x_{${s.row},\,${s.col},\,${s.l}}}`)}\cdot ${tag('w', String.raw`\color{${colour}}{w_{${s.m},${s.n},${s.l},${s.k}}}`)} = ${num(s.x)}\cdot ${num(s.w)} = ${num(s.x * s.w)}\qquad (m,n,l) ${s.inOmega ? String.raw`\in` : String.raw`\notin`}\,\Omega_{${s.i},${s.j},${s.k}}`,
      );
    };
    return { dense: dense ? term(dense, 'dense', '#1f5fbf') : '', sparse: sparse ? term(sparse, 'sparse', '#8f5200') : '' };
  }, [dense, sparse]);
  const ref = useRef<HTMLDivElement>(null);
  // The lit term is marked after KaTeX's markup is in place (it is re-made at every step).
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    for (const el of root.querySelectorAll('[data-term]'))
      el.classList.toggle('term-linked', linked !== null && el.getAttribute('data-term') === `${linked.order}-${linked.term}`);
  }, [html, linked]);
  return (
    <div
      className="formula"
      data-testid="formula"
      ref={ref}
      onPointerOver={(e) => {
        const term = termOf(e.target);
        if (term?.order !== linked?.order || term?.term !== linked?.term) onLink(term);
      }}
      onPointerLeave={(e) => e.pointerType === 'mouse' && onLink(null)} // a tap's term stays lit until the next tap
    >
      <div dangerouslySetInnerHTML={{ __html: general }} />
      {html.dense && (
        <div className="formula-term">
          <span className="formula-order">{labels.dense}</span>
          <div dangerouslySetInnerHTML={{ __html: html.dense }} data-testid="formula-dense" />
        </div>
      )}
      {html.sparse && (
        <div className="formula-term">
          <span className="formula-order">{labels.sparse}</span>
          <div dangerouslySetInnerHTML={{ __html: html.sparse }} data-testid="formula-sparse" />
        </div>
      )}
    </div>
  );
}
