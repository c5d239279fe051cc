'use client';
import { RefObject, useEffect, useState } from 'react';

/**
 * Whether an element is on (or near) the screen. Live charts off screen skip their redraws and catch up
 * when scrolled to: a page with twenty charts only pays for the ones a learner can see.
 */
export function useOnScreen(ref: RefObject<Element | null>, margin = '200px'): boolean {
  const [onScreen, setOnScreen] = useState(true);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => setOnScreen(entries.some((e) => e.isIntersecting)), { rootMargin: margin });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref, margin]);
  return onScreen;
}
