import { projectConfig } from '../../vitest.preset.ts';

export default projectConfig({ testTimeout: 60_000 });
