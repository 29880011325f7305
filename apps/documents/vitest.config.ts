import { projectConfig } from '../../vitest.preset.ts';

export default projectConfig({ testTimeout: 30_000 });
