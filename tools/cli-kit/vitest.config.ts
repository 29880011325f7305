import { projectConfig } from '../../vitest.preset.ts';

export default projectConfig();
