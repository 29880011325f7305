import { defineConfig, mergeConfig } from 'vitest/config';
import { projectConfig } from '../../vitest.preset.ts';

// Scripts are entry files tested as real processes (their coverage is not in-process); src/ holds their logic.
export default mergeConfig(projectConfig({ globalSetup: 'test/bundle-scripts.ts' }), defineConfig({ test: { include: ['*.test.ts', 'src/**/*.test.ts'] } }));
