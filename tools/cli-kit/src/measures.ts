/** "500ms", "10s", "2m", "1h" or a bare number of milliseconds, as milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`${flag} must be a duration such as 500ms, 30s or 2m, got "${text}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 'ms']!;
  return Number(match[1]) * unit;
}

export function parseCount(text: string | undefined, flag: string, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`${flag} must be a whole number of at least ${min}, got "${text}"`);
  return value;
}

/** The figures a threshold can name, from a run's results. */
export type Figures = Record<string, number>;

export interface Threshold {
  text: string;
  metric: string;
  op: '>' | '<' | '>=' | '<=';
  value: number;
}

/**
 * "p95>200ms,errors>0": conditions that fail the run when they hold. Latencies take ms or s; rates and counts
 * are plain numbers. The metrics are the keys of the figures the command prints.
 */
export function parseThresholds(text: string, known: readonly string[]): Threshold[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^([a-z0-9_]+)\s*(>=|<=|>|<)\s*([\d.]+)(ms|s|%)?$/i.exec(part);
      if (!match) throw new Error(`--fail-on: cannot read "${part}"; write it as metric>value, e.g. p95>200ms or errors>0`);
      const metric = match[1]!.toLowerCase();
      if (!known.includes(metric)) throw new Error(`--fail-on: unknown metric "${metric}"; known: ${known.join(', ')}`);
      const value = Number(match[3]) * (match[4] === 's' ? 1000 : 1);
      return { text: part, metric, op: match[2] as Threshold['op'], value };
    });
}

/** The thresholds that hold for these figures, i.e. the reasons to fail. */
export function breached(thresholds: Threshold[], figures: Figures): Threshold[] {
  return thresholds.filter(({ metric, op, value }) => {
    const actual = figures[metric]!;
    return op === '>' ? actual > value : op === '<' ? actual < value : op === '>=' ? actual >= value : actual <= value;
  });
}
