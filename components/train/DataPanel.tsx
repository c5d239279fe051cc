'use client';
/**
 * Shown when CIFAR-10 is not installed: how to get it, and a drop zone / file picker for the official
 * tarball, which the worker unpacks and checks.
 */
import { useRef, useState } from 'react';
import { ProgressBar } from '../ui/ProgressBar';
import { useTrainStore } from './trainStore';
import { useMessages } from '../../i18n/locale';
import { fillNodes } from '../../i18n/RichText';
import { useShallow } from 'zustand/react/shallow';

export function DataPanel({ onFile }: { onFile: (file: File) => void }) {
  const m = useMessages().lab;
  const { phase, dataProgress, dataError } = useTrainStore(useShallow((s) => ({ phase: s.phase, dataProgress: s.dataProgress, dataError: s.dataError })));
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const loading = phase === 'loading-file';

  return (
    <section className="panel data-panel" aria-labelledby="data-title">
      <h2 id="data-title">{m.data.title}</h2>
      <p>{m.data.intro}</p>
      <ol>
        <li>{fillNodes(m.data.command, { data: <code>npm run data</code>, from: <code>npm run data -- --from cifar-10-binary.tar.gz</code> })}</li>
        <li>{fillNodes(m.data.file, { file: <code>cifar-10-binary.tar.gz</code> })}</li>
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
        <p>{m.data.drop}</p>
        <button type="button" className="button" disabled={loading} onClick={() => input.current?.click()}>
          {m.data.choose}
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
          <ProgressBar value={dataProgress.fraction} label={m.loading.data} />
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
