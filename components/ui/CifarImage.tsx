'use client';
/** A 32×32 CIFAR-10 image (CHW bytes from the worker) drawn on a canvas; CSS sets its size on the page. */
import { useEffect, useRef } from 'react';

const SIZE = 32;

export function CifarImage({ pixels, className }: { pixels: Uint8Array; className?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(SIZE, SIZE);
    const plane = SIZE * SIZE;
    for (let p = 0; p < plane; p++) {
      image.data[4 * p] = pixels[p];
      image.data[4 * p + 1] = pixels[plane + p];
      image.data[4 * p + 2] = pixels[2 * plane + p];
      image.data[4 * p + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }, [pixels]);
  return <canvas ref={ref} width={SIZE} height={SIZE} className={className} aria-hidden="true" />;
}
