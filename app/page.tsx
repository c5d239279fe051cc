import Link from 'next/link';

export default function HomePage() {
  return (
    <div className="page home">
      <section className="hero">
        <h1>See how sparse CNNs work — and run them on your own device</h1>
        <p className="lede">
          Most numbers inside a trained convolutional network are zero: ReLU zeroes negative activations, and pruning zeroes
          small weights. A sparse CNN skips every multiply by zero. This lab lets you watch a network learn, computed
          live in your browser by our own engine, so you can see where those zeros come from and what skipping them saves.
        </p>
        <Link className="button primary large" href="/train/">
          Train a CNN on CIFAR-10 →
        </Link>
      </section>
      <section className="cards" aria-label="What you can do">
        <article className="card">
          <h2>Train live</h2>
          <p>
            Train a small CNN, or the source article&apos;s SCNN, on CIFAR-10 in a Web Worker. Watch loss and accuracy
            move, and see what the network predicts for real test images.
          </p>
          <Link href="/train/">Open the training lab</Link>
        </article>
        <article className="card">
          <h2>Step through a sparse convolution</h2>
          <p>The nonzero set Ω on a real image, every multiply done or skipped, next to the dense version.</p>
          <Link href="/step/">Step through it</Link>
        </article>
        <article className="card">
          <h2>Measure the cost</h2>
          <p>Dense vs sparse multiplies, time and memory per layer, and the density where sparse starts to win — measured on your machine.</p>
          <Link href="/cost/">Open the cost lab</Link>
        </article>
      </section>
    </div>
  );
}
