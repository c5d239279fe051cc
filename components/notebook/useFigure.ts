'use client';
/**
 * Asks the engine worker for a figure whenever its inputs change, a moment after the last change (a slider
 * being dragged asks once), and keeps only the newest answer.
 */
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../ui/errorMessage';

const SETTLE_MS = 120;

export function useFigure<T>(compute: () => Promise<T>, key: string): { result: T | null; busy: boolean; error: string | null } {
  const [result, setResult] = useState<T | null>(null);
  // Busy until the answer for the current key is in.
  const [answered, setAnswered] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);
  const computeRef = useRef(compute);
  useEffect(() => {
    computeRef.current = compute;
  });
  useEffect(() => {
    const token = ++latest.current;
    const timer = setTimeout(() => {
      computeRef
        .current()
        .then((r) => token === latest.current && (setResult(r), setError(null)))
        .catch((e: unknown) => token === latest.current && setError(errorMessage(e)))
        .finally(() => token === latest.current && setAnswered(key));
    }, SETTLE_MS);
    return () => clearTimeout(timer);
  }, [key]);
  return { result, busy: answered !== key, error };
}
