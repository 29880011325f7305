/** One variant's figures from one measured slice. */
export interface BenchRow {
  id: string;
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  rssMb: number;
  /** Server CPU per answered request: steadier than req/s on a small machine, where the load generator shares the cores. */
  cpuUsPerRequest: number;
}

export interface BenchSummary extends BenchRow {
  /** Against the bare SDK serving the same protocol era (a, or the variant's own baseline). */
  rpsVsSdk: number;
  p99VsSdk: number;
  cpuVsSdk: number;
  rpsVsD: number;
  /** For a variant with extra tools: its req/s over the same server's with one tool. */
  rpsVsOneTool: number;
}

/**
 * Each variant's median over the rounds (errors: their sum), and its ratios as the median of the per-round
 * ratios: two variants measured seconds apart in the same round share the machine's mood of that moment, so a
 * slow spell of the VM cancels out of a ratio instead of landing on whichever variant ran in it.
 * `oneToolOf` maps a variant with extra tools to the same server with one (e → a, f → b); `baselineOf` a variant
 * to the bare SDK of its era when that is not a (j → k).
 */
export function summarise(
  rounds: BenchRow[][],
  oneToolOf: Record<string, string>,
  baselineOf: Record<string, string> = {},
): BenchSummary[] {
  const ids = [...new Set(rounds.flat().map((row) => row.id))];
  const samples = (id: string) => rounds.flatMap((round) => round.filter((row) => row.id === id));
  const paired = (id: string, base: string | undefined, pick: (row: BenchRow) => number) => {
    const ratios = rounds.flatMap((round) => {
      const row = round.find((entry) => entry.id === id);
      const other = round.find((entry) => entry.id === base);
      return row && other ? [pick(row) / pick(other)] : [];
    });
    return ratios.length > 0 ? median(ratios) : Number.NaN;
  };
  return ids.map((id) => {
    const rows = samples(id);
    const of = (pick: (row: BenchRow) => number) => median(rows.map(pick));
    return {
      id,
      name: rows[0]!.name,
      rps: of((row) => row.rps),
      p50: of((row) => row.p50),
      p99: of((row) => row.p99),
      errors: rows.reduce((sum, row) => sum + row.errors, 0),
      rssMb: of((row) => row.rssMb),
      cpuUsPerRequest: of((row) => row.cpuUsPerRequest),
      rpsVsSdk: paired(id, baselineOf[id] ?? 'a', (row) => row.rps),
      p99VsSdk: paired(id, baselineOf[id] ?? 'a', (row) => row.p99),
      cpuVsSdk: paired(id, baselineOf[id] ?? 'a', (row) => row.cpuUsPerRequest),
      rpsVsD: paired(id, 'd', (row) => row.rps),
      rpsVsOneTool: paired(id, oneToolOf[id], (row) => row.rps),
    };
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
