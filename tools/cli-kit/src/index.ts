// What every tool script shares: its flags (--help, usage errors with exit 2), the values they take (durations,
// counts, thresholds), and its output (tables, progress). Its tests' way of running a script is ./testing.
export { cliOrExit, parseCli, type CliResult, type Options } from './cli';
export { breached, parseCount, parseDuration, parseThresholds, type Figures, type Threshold } from './measures';
export { formatNumber, progressReporter, table, xychart, type Chart, type Series } from './report';
