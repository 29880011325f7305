import type { ViteUserConfig } from 'vitest/config';

export interface ProjectOptions {
  /** Source files left out of the coverage gate. */
  exclude?: string[];
  /** Test files not run here. */
  testExclude?: string[];
  globalSetup?: string;
  /** Where the tests are (default src/ and test/). */
  include?: string[];
  /** false for a project of end-to-end tests, whose subjects' own projects gate their coverage. */
  coverage?: boolean;
}

/** A project's tests: ceilings, one module graph per worker, the JSON results npm test adds up, the coverage gate. */
export function projectConfig(options?: ProjectOptions): ViteUserConfig;

/**
 * A tool whose entry scripts are tested as real processes (their coverage is not in-process; src/ holds their
 * logic): tests beside the scripts too, and the scripts bundled once per run for cli-kit's runScript.
 */
export function scriptsProjectConfig(): ViteUserConfig;

/** A project of slow end-to-end tests of other projects (tools/*-e2e), sharded apart from their unit tests. */
export function e2eProjectConfig(): ViteUserConfig;
