'use client';
/**
 * One line on every page saying where the engine can compute here: WebGPU (and on which adapter) or the
 * CPU only. It asks the browser for an adapter; it computes nothing.
 */
import { useEffect, useState } from 'react';

export function DeviceNote() {
  const [note, setNote] = useState('Checking for WebGPU…');
  useEffect(() => {
    let cancelled = false;
    const say = (text: string) => !cancelled && setNote(text);
    const gpu = typeof navigator === 'undefined' ? undefined : navigator.gpu;
    if (!gpu) say('WebGPU is not available in this browser: everything runs on the CPU engine.');
    else
      gpu
        .requestAdapter()
        .then((adapter) =>
          say(
            adapter
              ? `WebGPU is available (${adapter.info?.description || adapter.info?.vendor || 'GPU adapter'}); the CPU engine is always there too.`
              : 'WebGPU found no adapter on this device: everything runs on the CPU engine.',
          ),
        )
        .catch(() => say('WebGPU is not available here: everything runs on the CPU engine.'));
    return () => {
      cancelled = true;
    };
  }, []);
  return (
    <p className="device-note" data-testid="device-note">
      {note}
    </p>
  );
}
