/** The cost lab's CSV: RFC 4180 quoting (carriage returns too), and no cell a spreadsheet would run as a formula. */
import { csvParseRows } from 'd3';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../components/charts/figureExport';

describe('CSV export', () => {
  it('quotes commas, quotes and both line breaks, so a reader gets the same cells back', () => {
    const rows = [
      ['a,b', 'say "hi"', 'line\nbreak', 'carriage\rreturn', 'crlf\r\nend'],
      [1.5, -2, 0, true, null],
    ];
    const csv = toCsv(['h1', 'h2', 'h3', 'h4', 'h5'], rows);
    expect(csv.endsWith('\n')).toBe(true);
    expect(csvParseRows(csv.trimEnd())).toEqual([['h1', 'h2', 'h3', 'h4', 'h5'], rows[0], ['1.5', '-2', '0', 'true', '']]);
  });

  it('defuses text that a spreadsheet would run as a formula, and leaves numbers alone', () => {
    const csv = toCsv(
      ['model', 'macs'],
      [
        ['=HYPERLINK("http://x","run")', -3],
        ['+1', 2],
        ['@SUM(A1)', 3],
        ['-x', 4],
        ['\tx', 5],
        ['run.scnn (step 1)', 6],
      ],
    );
    const cells = csvParseRows(csv.trimEnd()).slice(1);
    expect(cells.map((r) => r[0])).toEqual(['\'=HYPERLINK("http://x","run")', "'+1", "'@SUM(A1)", "'-x", "'\tx", 'run.scnn (step 1)']);
    expect(cells.map((r) => r[1])).toEqual(['-3', '2', '3', '4', '5', '6']);
  });
});
