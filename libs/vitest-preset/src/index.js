// The one preset every project's vitest.config.ts uses. JavaScript, with its types in index.d.ts: Vite bundles a
// config file but loads the packages it imports as they are, and Node 20 cannot load TypeScript.
// Coverage thresholds live in the root's .c8rc.json so that the in-process gate (Vitest's v8 provider) and the
// real-process gate (c8, for e2e) can never disagree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const workspace = join(import.meta.dirname, '..', '..', '..');
/** @type {Record<'lines' | 'branches' | 'functions' | 'statements', number>} */
const c8rc = JSON.parse(readFileSync(join(workspace, '.c8rc.json'), 'utf8'));
const coverageThresholds = { lines: c8rc.lines, branches: c8rc.branches, functions: c8rc.functions, statements: c8rc.statements };

// Ceilings for a loaded 2-core machine, not expectations: tests wait for events (a log line, a status), and these
// only turn a hang into a failure. A test that needs them to be lower is a timing test, which we do not write.
// (They are above what deploy's rollbacks take with two whole suites sharing the cores.)
const CEILING_MS = 300_000;

// .ci/run's Node 24 tier sets this: a run meant for one Node that finds itself on another fails, rather than
// passing on the wrong runtime.
const expectedMajor = process.env.MCP_FLEET_EXPECT_NODE_MAJOR;
if (expectedMajor && process.versions.node.split('.')[0] !== expectedMajor) {
  throw new Error(
    `MCP_FLEET_EXPECT_NODE_MAJOR=${expectedMajor}, but these tests run on Node ${process.version} (${process.execPath}): something put another node first on PATH`,
  );
}

/** Declared, with its documentation, in index.d.ts. */
export function projectConfig(options = {}) {
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
      // test process more CPU than it gets back; its baseline compiler alone is less CPU for a PGlite test.
      execArgv: ['--liftoff-only'],
      globalSetup: options.globalSetup,
      // The JSON results feed the workspace-wide "N passed, N failed" line that npm test ends with.
      reporters: ['default', ['json', { outputFile: 'coverage/vitest-results.json' }]],
      coverage: {
        enabled: options.coverage ?? true,
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

/** Declared, with its documentation, in index.d.ts. */
export function scriptsProjectConfig() {
  return projectConfig({
    globalSetup: join(workspace, 'tools', 'cli-kit', 'testing', 'global-setup.ts'),
    include: ['*.test.ts', 'src/**/*.test.ts'],
  });
}

/** Declared, with its documentation, in index.d.ts. */
export function e2eProjectConfig() {
  return projectConfig({ include: ['*.test.ts'], coverage: false });
}
