/**
 * Saving a figure or its numbers: SVG (the chart as drawn, with its styles inlined), PNG (the SVG rendered
 * at twice its size) and CSV. Everything happens in the page; nothing is uploaded.
 */
import { csvFormatRows } from 'd3';
import { saveFile } from '../ui/saveFile';

/** The SVG as a standalone file: computed text and stroke styles copied onto the elements. */
export function standaloneSvg(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const { width, height } = svg.viewBox.baseVal;
  if (width && height) {
    copy.setAttribute('width', String(width));
    copy.setAttribute('height', String(height));
  }
  const originals = svg.querySelectorAll('*');
  copy.querySelectorAll('*').forEach((el, i) => {
    const style = getComputedStyle(originals[i]);
    for (const prop of ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'font-size', 'font-family', 'font-weight', 'opacity']) {
      const value = style.getPropertyValue(prop);
      if (value) (el as SVGElement).style.setProperty(prop, value);
    }
  });
  const background = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', '#ffffff');
  copy.insertBefore(background, copy.firstChild);
  return new XMLSerializer().serializeToString(copy);
}

export function downloadSvg(svg: SVGSVGElement, name: string): void {
  saveFile(new Blob([standaloneSvg(svg)], { type: 'image/svg+xml' }), name);
}

export async function downloadPng(svg: SVGSVGElement, name: string, scale = 2): Promise<void> {
  const { width, height } = svg.viewBox.baseVal;
  const url = URL.createObjectURL(new Blob([standaloneSvg(svg)], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the chart could not be rendered to a picture'));
      image.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error('the picture could not be encoded');
    saveFile(blob, name);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * A CSV cell. Text that a spreadsheet would run as a formula (=, +, -, @, a tab or a carriage return first —
 * a checkpoint's file name is the learner's to choose) gets a leading apostrophe; numbers stay numbers.
 */
function cell(value: string | number | boolean | null): string | number | boolean | null {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180 CSV (d3-dsv quotes commas, quotes and both kinds of line break), ending in a newline. */
export function toCsv(header: string[], rows: (string | number | boolean | null)[][]): string {
  return csvFormatRows([header, ...rows].map((row) => row.map((value) => (value === null ? '' : String(cell(value)))))) + '\n';
}

export function downloadCsv(csv: string, name: string): void {
  saveFile(new Blob([csv], { type: 'text/csv' }), name);
}
