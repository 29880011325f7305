/** Fixed-width columns, numbers right-aligned: the table a load or soak run ends with. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => String(row[column]).length)));
  const line = (row: (string | number)[]) =>
    row.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column]!) : String(cell).padStart(widths[column]!))).join('  ');
  return [line(cells[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * Progress for long work: a bar redrawn in place on a terminal, a plain line every few seconds elsewhere (CI
 * logs), never on stdout, so that --json output stays clean.
 */
export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): { update(fraction: number, detail: string): void; done(): void } {
  let lastPlain = 0;
  return {
    update(fraction, detail) {
      const bounded = Math.max(0, Math.min(1, fraction));
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round(bounded * width);
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(bounded * 100)}% ${detail}\u001b[K`);
      } else if (Date.now() - lastPlain >= 5000 || bounded >= 1) {
        lastPlain = Date.now();
        stream.write(`${label}: ${Math.floor(bounded * 100)}% ${detail}\n`);
      }
    },
    done() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}

/** One series of an xychart: a line or bars, one value per x. */
export interface Series {
  name: string;
  kind: 'line' | 'bar';
  values: number[];
}

export interface Chart {
  title: string;
  x: { label: string; values: (string | number)[] };
  y: { label: string };
  series: Series[];
}

const figure = (value: number) => String(Math.round(value * 100) / 100);
const quoted = (text: string) => `"${text.replaceAll('"', "'")}"`;

/**
 * A chart as a Mermaid `xychart-beta` block, which GitHub renders in Markdown (a job summary, a README). Mermaid
 * draws no legend, so the series' names follow the block, in the order they are drawn.
 */
export function xychart(chart: Chart): string {
  const categories = chart.x.values.map((value) => (typeof value === 'number' ? figure(value) : quoted(value))).join(', ');
  return [
    '```mermaid',
    'xychart-beta',
    `  title ${quoted(chart.title)}`,
    `  x-axis ${quoted(chart.x.label)} [${categories}]`,
    `  y-axis ${quoted(chart.y.label)}`,
    ...chart.series.map((series) => `  ${series.kind} [${series.values.map(figure).join(', ')}]`),
    '```',
    '',
    `Series, in order: ${chart.series.map((series) => `${series.name} (${series.kind})`).join(', ')}.`,
  ].join('\n');
}
