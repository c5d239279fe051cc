'use client';
/**
 * Shown when CIFAR-10 is not installed: how to get it, and a drop zone / file picker for the official
 * tarball, which the worker unpacks and checks.
 */
import { useRef, useState } from 'react';
import { ProgressBar } from '../ui/ProgressBar';
import { useTrainStore } from './trainStore';

export function DataPanel({ onFile }: { onFile: (file: File) => void }) {
  const { phase, dataProgress, dataError } = useTrainStore();
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const loading = phase === 'loading-file';

  return (
    <section className="panel data-panel" aria-labelledby="data-title">
      <h2 id="data-title">CIFAR-10 is not loaded yet</h2>
      <p>
        This lab trains on CIFAR-10: 60,000 small colour photos in 10 classes. Get it in one of two ways:
      </p>
      <ol>
        <li>
          In the project folder, run <code>npm run data</code> (downloads the official file), or{' '}
          <code>npm run data -- --from cifar-10-binary.tar.gz</code> if you already have it; then reload this page.
        </li>
        <li>Or give this page the official <code>cifar-10-binary.tar.gz</code> (163 MB) below. It stays on your machine.</li>
      </ol>
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          const file = e.dataTransfer.files[0];
          if (file && !loading) onFile(file);
        }}
      >
        <p>Drop cifar-10-binary.tar.gz here</p>
        <button type="button" className="button" disabled={loading} onClick={() => input.current?.click()}>
          Choose file…
        </button>
        <input
          ref={input}
          type="file"
          accept=".gz,.tgz,.tar,application/gzip"
          hidden
          data-testid="data-file-input"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) onFile(file);
          }}
        />
      </div>
      {loading && dataProgress && (
        <div className="data-progress" aria-live="polite">
          <ProgressBar value={dataProgress.fraction} label="Loading CIFAR-10" />
          <span>{dataProgress.message}</span>
        </div>
      )}
      {dataError && (
        <p className="error" role="alert" data-testid="data-error">
          {dataError}
        </p>
      )}
    </section>
  );
}
