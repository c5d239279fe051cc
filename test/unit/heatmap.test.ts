/** The heatmap draws a long run's steps in at most 120 columns, the first and the latest among them, and counts every value. */
import { describe, expect, it } from 'vitest';
import { heatmapLayout } from '../../components/charts/Heatmap';

function rows(layers: number, steps: number): Record<string, { x: number; y: number }[]> {
  const out: Record<string, { x: number; y: number }[]> = {};
  for (let l = 0; l < layers; l++) out[`layer${l}`] = Array.from({ length: steps }, (_, i) => ({ x: 10 * (i + 1), y: 1 + ((i * 7 + l) % 13) }));
  return out;
}

describe('heatmap layout', () => {
  it('draws every value of a short run, one column per step, coloured from the lowest to the highest value', () => {
    const layout = heatmapLayout(rows(3, 50), true);
    expect(layout.count).toBe(150);
    expect(layout.cells).toHaveLength(150);
    expect(layout.xs).toHaveLength(50);
    expect([layout.lo, layout.hi]).toEqual([1, 13]);
    const lowest = layout.cells.find((c) => c.value === 1)!;
    const highest = layout.cells.find((c) => c.value === 13)!;
    expect(lowest.fill).not.toBe(highest.fill);
    // Rows top to bottom, columns left to right in step order.
    const row0 = layout.cells.filter((c) => c.row === 'layer0');
    expect(row0.map((c) => c.left)).toEqual(row0.map((c) => c.left).sort((a, b) => a - b));
    expect(new Set(layout.cells.filter((c) => c.row === 'layer2').map((c) => c.top))).toEqual(new Set([44]));
  });

  it('draws a long run in at most 121 evenly spaced columns, from its first step to its latest, and counts every value', () => {
    const layout = heatmapLayout(rows(6, 5000), true);
    expect(layout.count).toBe(30_000); // every value is still counted (and exported)
    const columns = layout.xs;
    expect(columns.length).toBeGreaterThan(100);
    expect(columns.length).toBeLessThanOrEqual(121);
    expect(layout.cells).toHaveLength(6 * columns.length);
    expect(columns[0]).toBe(10);
    expect(columns.at(-1)).toBe(50_000);
    expect(new Set(columns.slice(1, -1).map((x, i) => x - columns[i])).size).toBe(1); // evenly spaced (the latest may be closer)
    const row0 = layout.cells.filter((c) => c.row === 'layer0');
    expect(row0.map((c) => c.x)).toEqual(columns);
    expect(row0.at(-1)!.left + row0.at(-1)!.width).toBeLessThanOrEqual(520);
  });

  it('leaves out non-positive values on a log scale and draws nothing without data', () => {
    const layout = heatmapLayout({ a: [{ x: 1, y: 0 }] }, true);
    expect(layout.xs).toEqual([]);
    expect(heatmapLayout({}, false).cells).toEqual([]);
  });
});
