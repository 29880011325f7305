import { projectConfig } from '../../vitest.preset.ts';

export default projectConfig({ exclude: ['src/generators/*/files/**'] });
