// The one coverage preset every project's vitest.config.ts uses. Thresholds live in .c8rc.json so that the
// in-process gate (Vitest's v8 provider) and the real-process gate (c8, for e2e) can never disagree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const c8rc = JSON.parse(readFileSync(new URL('./.c8rc.json', import.meta.url), 'utf8')) as Record<
  'lines' | 'branches' | 'functions' | 'statements',
  number
>;

export const coverageThresholds = {
  lines: c8rc.lines,
  branches: c8rc.branches,
  functions: c8rc.functions,
  statements: c8rc.statements,
};

// Ceilings for a loaded 2-core machine, not expectations: tests wait for events (a log line, a status), and these
// only turn a hang into a failure. A test that needs them to be lower is a timing test, which we do not write.
// (120 s was passed by deploy.ts's rollbacks, 7 s on a quiet machine, with two whole suites sharing the cores.)
const CEILING_MS = 300_000;

// .ci/run's Node 24 tier sets this: a run meant for one Node that finds itself on another fails, rather than
// passing on the wrong runtime.
const expectedMajor = process.env.MCP_FLEET_EXPECT_NODE_MAJOR;
if (expectedMajor && process.versions.node.split('.')[0] !== expectedMajor) {
  throw new Error(`MCP_FLEET_EXPECT_NODE_MAJOR=${expectedMajor}, but these tests run on Node ${process.version} (${process.execPath}): something put another node first on PATH`);
}

/** `exclude`: source files left out of the coverage gate; `testExclude`: test files not run here; `include`: where tests are. */
export function projectConfig(options: { exclude?: string[]; testExclude?: string[]; globalSetup?: string; include?: string[] } = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: options.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: ['**/node_modules/**', ...(options.testExclude ?? [])],
      testTimeout: CEILING_MS,
      hookTimeout: CEILING_MS,
      // A worker runs its test files one after another in one module graph, instead of a new one per file: the
      // SDK, zod and Vite's transforms load once per worker, which halves a light project's CPU. A test file
      // therefore leaves no global state behind (env, timers, cwd are restored in afterEach), as ours do.
      isolate: false,
      // PGlite is WebAssembly: V8's optimizing tier would compile its hot functions again, which costs a short
      // test process more CPU than it gets back; its baseline compiler alone is ~20% less CPU for a PGlite test.
      execArgv: ['--liftoff-only'],
      globalSetup: options.globalSetup,
      // The JSON results feed the workspace-wide "N passed, N failed" line that npm test ends with.
      reporters: ['default', ['json', { outputFile: 'coverage/vitest-results.json' }]],
      coverage: {
        enabled: true,
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts', 'src/main.ts', ...(options.exclude ?? [])],
        reporter: ['text-summary', 'json-summary'],
        reportsDirectory: 'coverage/unit',
        thresholds: coverageThresholds,
      },
    },
  });
}

/**
 * A tool whose entry scripts are tested as real processes (their coverage is not in-process; src/ holds their
 * logic): tests beside the scripts too, and the scripts bundled once per run for cli-kit's runScript.
 */
export function scriptsProjectConfig(): ViteUserConfig {
  return projectConfig({ globalSetup: join(import.meta.dirname, 'tools', 'cli-kit', 'testing', 'global-setup.ts'), include: ['*.test.ts', 'src/**/*.test.ts'] });
}
