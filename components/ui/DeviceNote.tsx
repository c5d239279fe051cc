'use client';
/**
 * One line on every page saying where the engine can compute here: WebGPU (and on which adapter) or the
 * CPU only. It asks the browser for an adapter; it computes nothing.
 */
import { useEffect, useState } from 'react';
import { fill, useMessages } from '../../i18n/locale';

type Finding = { kind: 'checking' | 'noWebgpu' | 'noAdapter' | 'unavailable' } | { kind: 'available'; adapter: string };

export function DeviceNote() {
  const m = useMessages();
  const [finding, setFinding] = useState<Finding>({ kind: 'checking' });
  useEffect(() => {
    let cancelled = false;
    const say = (f: Finding) => !cancelled && setFinding(f);
    const gpu = typeof navigator === 'undefined' ? undefined : navigator.gpu;
    if (!gpu) say({ kind: 'noWebgpu' });
    else
      gpu
        .requestAdapter()
        .then((adapter) =>
          say(adapter ? { kind: 'available', adapter: adapter.info?.description || adapter.info?.vendor || 'GPU adapter' } : { kind: 'noAdapter' }),
        )
        .catch(() => say({ kind: 'unavailable' }));
    return () => {
      cancelled = true;
    };
  }, []);
  return (
    <p className="device-note" data-testid="device-note">
      {finding.kind === 'available' ? fill(m.device.available, { adapter: finding.adapter }) : m.device[finding.kind]}
    </p>
  );
}
