import { projectConfig } from '../../vitest.preset.ts';

export default projectConfig({ globalSetup: 'test/global-setup.ts' });
