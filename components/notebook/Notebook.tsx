'use client';
/**
 * The notebook: the source article's chapters in our own words, English or Chinese, with live cells. The
 * cells (and the engine, d3 and KaTeX behind them) load only when the page is open in a browser, so the
 * text comes first and fast.
 */
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useMessages, useLocalizedHref } from '../../i18n/locale';

function CellLoading() {
  const m = useMessages();
  return <p className="cell-loading">{m.notebook.loadingCell}</p>;
}

const ConvCell = dynamic(() => import('./ConvCell'), { ssr: false, loading: CellLoading });
const TrainCell = dynamic(() => import('./TrainCell'), { ssr: false, loading: CellLoading });
const SweepCell = dynamic(() => import('./SweepCell'), { ssr: false, loading: CellLoading });
const ZerosCell = dynamic(() => import('./ZerosCell'), { ssr: false, loading: CellLoading });
const OmegaCell = dynamic(() => import('./OmegaCell'), { ssr: false, loading: CellLoading });
const OnnxCell = dynamic(() => import('./OnnxCell'), { ssr: false, loading: CellLoading });
const PatternsCell = dynamic(() => import('./PatternsCell'), { ssr: false, loading: CellLoading });
const StorageCell = dynamic(() => import('./StorageCell'), { ssr: false, loading: CellLoading });
const SelfCheck = dynamic(() => import('./SelfCheck'), { ssr: false });
const Formula = dynamic(() => import('./Formula'), { ssr: false });

const TEX = {
  dense: String.raw`y_{i,j,k} = \sum_{m,n,l} x_{is+m-p,\,js+n-p,\,l}\; w_{m,n,l,k}`,
  sparse: String.raw`\begin{gathered} y_{i,j,k} = \sum_{(m,n,l)\in\Omega_{i,j,k}} x_{is+m-p,\,js+n-p,\,l}\; w_{m,n,l,k} \\ \Omega_{i,j,k} = \{(m,n,l) : x_{is+m-p,\,js+n-p,\,l} \ne 0,\ w_{m,n,l,k} \ne 0\},\qquad |\Omega| = \sum_{i,j,k} |\Omega_{i,j,k}| \end{gathered}`,
  densePool: String.raw`y_{i,j,k} = \max_{m,n} x_{is+m,\,js+n,\,k}`,
  /** The sparse pool's "… = 0 if Ω_k is empty", with the word for "if" in the page's language. */
  pool: (ifWord: string) =>
    String.raw`y_{i,j,k} = \max_{(m,n)\in\Omega_k} x_{is+m,\,js+n,\,k},\qquad \Omega_k = \{(m,n) : x_{is+m,js+n,k} \ne 0\},\quad y_{i,j,k} = 0 \text{ ${ifWord} } \Omega_k = \varnothing \qquad (x \ge 0)`,
  backprop: String.raw`\begin{gathered} \frac{\partial L}{\partial w_{m,n,l,k}} = \sum_{\substack{i,j:\; x_{is+m-p,\,js+n-p,\,l}\ne 0,\\ \partial L/\partial y_{i,j,k} \ne 0}} \frac{\partial L}{\partial y_{i,j,k}}\, x_{is+m-p,\,js+n-p,\,l}\qquad (w_{m,n,l,k} \ne 0) \\[1.2em] \frac{\partial L}{\partial x_{u,v,l}} = \sum_{\substack{i,j,m,n,k:\; is+m-p=u,\; js+n-p=v,\\ w_{m,n,l,k}\ne 0,\; \partial L/\partial y_{i,j,k} \ne 0}} \frac{\partial L}{\partial y_{i,j,k}}\, w_{m,n,l,k}\qquad (x_{u,v,l} \ne 0) \end{gathered}`,
};

/** The article's model, written by us in PyTorch (the architecture is the article's; the code is ours). */
const PYTORCH_MODEL = `import torch
from torch import nn

class SCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))

model = SCNN()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()`;

/** A correct sparse convolution and max-pool, as plain as possible, with the check a reader can run. */
const PYTORCH_SPARSE_CONV = `import torch
import torch.nn.functional as F

def sparse_conv2d(x, w, b, stride=1, padding=0):
    """x: [N, C, H, W] input, w: [K, C, R, S] weights, b: [K] bias."""
    N, C, H, W = x.shape
    K, _, R, S = w.shape
    H_out = (H + 2 * padding - R) // stride + 1
    W_out = (W + 2 * padding - S) // stride + 1
    y = b.view(1, K, 1, 1).repeat(N, 1, H_out, W_out)
    for n, c, i, j in torch.nonzero(x).tolist():          # every nonzero input …
        for k, r, s in torch.nonzero(w[:, c]).tolist():   # … meets every nonzero weight of its channel
            # it lands on the output (oi, oj) with oi * stride - padding + r == i, if there is one
            oi, rest_i = divmod(i + padding - r, stride)
            oj, rest_j = divmod(j + padding - s, stride)
            if rest_i == 0 and rest_j == 0 and 0 <= oi < H_out and 0 <= oj < W_out:
                y[n, k, oi, oj] += x[n, c, i, j] * w[k, c, r, s]
    return y

def sparse_max_pool2d(x, size=2, stride=2):
    """Looks only at nonzero inputs: right only for x >= 0 (after a ReLU)."""
    assert (x >= 0).all(), "an all-zero window's maximum is 0 only when x >= 0"
    N, C, H, W = x.shape
    H_out = (H - size) // stride + 1
    W_out = (W - size) // stride + 1
    y = torch.zeros(N, C, H_out, W_out, dtype=x.dtype)   # a window with no nonzero gives 0
    for n, c, i, j in torch.nonzero(x).tolist():          # every nonzero input …
        # … counts in every window that covers it: oi * stride <= i < oi * stride + size
        for oi in range(max(0, (i - size) // stride + 1), min(H_out, i // stride + 1)):
            for oj in range(max(0, (j - size) // stride + 1), min(W_out, j // stride + 1)):
                y[n, c, oi, oj] = torch.maximum(y[n, c, oi, oj], x[n, c, i, j])
    return y

# The check: both equal PyTorch's own layers.
x = torch.relu(torch.randn(2, 3, 8, 8))
w = torch.randn(4, 3, 3, 3) * (torch.rand(4, 3, 3, 3) > 0.5)   # about half the weights pruned
b = torch.randn(4)
assert torch.allclose(sparse_conv2d(x, w, b, 1, 1), F.conv2d(x, w, b, padding=1), atol=1e-5)
assert torch.equal(sparse_max_pool2d(x), F.max_pool2d(x, 2))`;

const CHAPTERS = ['background', 'concepts', 'algorithms', 'practice', 'applications', 'tools', 'future'] as const;

/** A sentence whose `[words](#term-id)` link to the glossary: the first use of each term is marked in the messages. */
function Linked({ text }: { text: string }) {
  const parts = text.split(/\[([^\]]+)\]\(#(term-[\w-]+)\)/);
  return (
    <>
      {parts.map((part, i) =>
        i % 3 === 1 ? (
          <a key={i} href={`#${parts[i + 1]}`} className="term-link">
            {part}
          </a>
        ) : i % 3 === 2 ? null : (
          part
        ),
      )}
    </>
  );
}

function Paragraphs({ texts }: { texts: readonly string[] }) {
  return (
    <>
      {texts.map((t, i) => (
        <p key={i}>
          <Linked text={t} />
        </p>
      ))}
    </>
  );
}

function Cell({ title, text, children, testId }: { title: string; text: string; children: React.ReactNode; testId: string }) {
  const m = useMessages();
  return (
    <section className="nb-cell" aria-label={title} data-testid={testId}>
      <header className="cell-head">
        <h3>{title}</h3>
        <p>{text}</p>
        <p className="cell-hint">{m.notebook.runHint}</p>
      </header>
      {children}
    </section>
  );
}

/** `seedSpec`: the seed model as the engine writes it (computed when the page is built, not in the browser). */
export function Notebook({ seedSpec }: { seedSpec: string }) {
  const m = useMessages();
  const c = m.notebook.chapters;
  const href = useLocalizedHref();
  return (
    <article className="notebook">
      <header className="notebook-head">
        <h1>{m.notebook.title}</h1>
        <p className="lede">{m.notebook.lede}</p>
        <nav aria-label={m.notebook.contents} className="toc">
          <h2>{m.notebook.contents}</h2>
          <ol>
            {CHAPTERS.map((id) => (
              <li key={id}>
                <a href={`#${id}`}>{c[id].title}</a>
              </li>
            ))}
          </ol>
        </nav>
      </header>

      <section id="background" className="chapter" aria-labelledby="background-title">
        <h2 id="background-title">{c.background.title}</h2>
        <Paragraphs texts={c.background.paragraphs} />
        <SelfCheck id="ch1" />
        <Cell title={c.background.cellTitle} text={c.background.cellText} testId="cell-zeros">
          <ZerosCell />
        </Cell>
      </section>

      <section id="concepts" className="chapter" aria-labelledby="concepts-title">
        <h2 id="concepts-title">{c.concepts.title}</h2>
        <h3>{c.concepts.sparsityTitle}</h3>
        <SelfCheck id="ch2" />
        <Paragraphs texts={c.concepts.sparsity} />
        <h3>{c.concepts.convTitle}</h3>
        <Paragraphs texts={c.concepts.conv} />
        <h3>{c.concepts.poolTitle}</h3>
        <Paragraphs texts={c.concepts.pool} />
        <h3>{c.concepts.backpropTitle}</h3>
        <Paragraphs texts={c.concepts.backprop} />
        <h3>{c.concepts.linkTitle}</h3>
        <Paragraphs texts={c.concepts.link} />
        <Cell title={c.concepts.cellTitle} text={c.concepts.cellText} testId="cell-conv">
          <ConvCell />
          <p className="cell-link">
            <Link href={href('/step/')}>{c.concepts.openFull} →</Link>
          </p>
        </Cell>
      </section>

      <section id="algorithms" className="chapter" aria-labelledby="algorithms-title">
        <h2 id="algorithms-title">{c.algorithms.title}</h2>
        <p>{c.algorithms.conv}</p>
        <Formula tex={TEX.dense} label={c.algorithms.formulaLabels.dense} />
        <Formula tex={TEX.sparse} label={c.algorithms.formulaLabels.sparse} />
        <p>{c.algorithms.pool}</p>
        <Formula tex={TEX.densePool} label={c.algorithms.formulaLabels.densePool} />
        <Formula tex={TEX.pool(c.algorithms.formulaIf)} label={c.algorithms.formulaLabels.pool} />
        <p>{c.algorithms.backprop}</p>
        <Formula tex={TEX.backprop} label={c.algorithms.formulaLabels.backprop} />
        <p>
          <Linked text={c.algorithms.cost} />
        </p>
        <p>
          <Linked text={c.algorithms.kernels} />
        </p>
        <p>{c.algorithms.caveat}</p>
        <SelfCheck id="ch3" />
        <Cell title={c.algorithms.cellTitle} text={c.algorithms.cellText} testId="cell-omega">
          <OmegaCell />
        </Cell>
        <h3>{c.algorithms.staticTitle}</h3>
        <Paragraphs texts={c.algorithms.static} />
        <Cell title={c.algorithms.storageTitle} text={c.algorithms.storageText} testId="cell-storage">
          <StorageCell />
        </Cell>
      </section>

      <section id="practice" className="chapter" aria-labelledby="practice-title">
        <h2 id="practice-title">{c.practice.title}</h2>
        <p>{c.practice.intro}</p>
        <div className="side-by-side-code">
          <figure>
            <figcaption>{c.practice.pytorchCaption}</figcaption>
            <pre tabIndex={0}>
              <code>{PYTORCH_MODEL}</code>
            </pre>
          </figure>
          <figure>
            <figcaption>{c.practice.engineCaption}</figcaption>
            <pre tabIndex={0} data-testid="engine-spec">
              <code>{seedSpec}</code>
            </pre>
          </figure>
        </div>
        <h3>{c.practice.bugsTitle}</h3>
        <p>{c.practice.bugsIntro}</p>
        <ul>
          {c.practice.bugs.map((b, i) => (
            <li key={i}>{b}</li>
          ))}
        </ul>
        <p>{c.practice.fixIntro}</p>
        <figure>
          <figcaption>{c.practice.fixCaption}</figcaption>
          <pre tabIndex={0}>
            <code>{PYTORCH_SPARSE_CONV}</code>
          </pre>
        </figure>
        <p>{c.practice.engineNote}</p>
        <SelfCheck id="ch4" />
        <Cell title={c.practice.cellTitle} text={c.practice.cellText} testId="cell-train">
          <TrainCell />
          <p className="cell-link">
            <Link href={href('/train/')}>{c.practice.openFull} →</Link>
          </p>
        </Cell>
      </section>

      <section id="applications" className="chapter" aria-labelledby="applications-title">
        <h2 id="applications-title">{c.applications.title}</h2>
        <Paragraphs texts={c.applications.paragraphs} />
        <SelfCheck id="ch5" />
        <Cell title={c.applications.cellTitle} text={c.applications.cellText} testId="cell-sweep">
          <SweepCell />
          <p className="cell-link">
            <Link href={href('/cost/')}>{c.applications.openFull} →</Link>
          </p>
        </Cell>
      </section>

      <section id="tools" className="chapter" aria-labelledby="tools-title">
        <h2 id="tools-title">{c.tools.title}</h2>
        <ul>
          {c.tools.items.map((t, i) => (
            <li key={i}>{t}</li>
          ))}
        </ul>
        <p>{c.tools.exports}</p>
        <SelfCheck id="ch6" />
        <Cell title={c.tools.cellTitle} text={c.tools.cellText} testId="cell-onnx">
          <OnnxCell />
        </Cell>
      </section>

      <section id="future" className="chapter" aria-labelledby="future-title">
        <h2 id="future-title">{c.future.title}</h2>
        <Paragraphs texts={c.future.paragraphs} />
        <SelfCheck id="ch7" />
        <Cell title={c.future.cellTitle} text={c.future.cellText} testId="cell-patterns">
          <PatternsCell />
        </Cell>
      </section>

      <section id="glossary" className="glossary" aria-labelledby="glossary-title">
        <h2 id="glossary-title">{m.notebook.glossary.title}</h2>
        <dl>
          {m.notebook.glossary.terms.map((t) => (
            <div key={t.id} id={`term-${t.id}`} className="glossary-entry">
              <dt>{t.term}</dt>
              <dd>{t.text}</dd>
            </div>
          ))}
        </dl>
      </section>
    </article>
  );
}
