import { join } from 'node:path';
import { defineConfig, mergeConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.preset.ts';

/** Bundles this project's entry scripts once, for the tests that run them (cli-kit's runScript). */
const SCRIPT_BUNDLER = join(import.meta.dirname, '..', 'cli-kit', 'testing', 'global-setup.ts');

// Scripts are entry files tested as real processes (their coverage is not in-process); src/ holds their logic.
export default mergeConfig(projectConfig({ globalSetup: SCRIPT_BUNDLER }), defineConfig({ test: { include: ['*.test.ts', 'src/**/*.test.ts'] } }));
