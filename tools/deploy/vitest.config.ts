import { join } from 'node:path';
import { defineConfig, mergeConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.preset.ts';

/** Bundles deploy.ts once, for the tests that run it as a process (cli-kit's runScript). */
const SCRIPT_BUNDLER = join(import.meta.dirname, '..', 'cli-kit', 'testing', 'global-setup.ts');

// deploy.ts is an entry file tested as a real process (its coverage is not in-process); src/ holds its logic.
export default mergeConfig(projectConfig({ globalSetup: SCRIPT_BUNDLER }), defineConfig({ test: { include: ['*.test.ts', 'src/**/*.test.ts'] } }));
