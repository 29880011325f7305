import { projectConfig } from '@mcp-fleet/vitest-preset';

export default projectConfig({ globalSetup: 'test/global-setup.ts' });
