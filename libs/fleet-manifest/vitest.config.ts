import { projectConfig } from '@mcp-fleet/vitest-preset';

export default projectConfig();
