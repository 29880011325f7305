import { projectConfig } from '@mcp-fleet/vitest-preset';

export default projectConfig({ include: ['*.test.ts', 'src/**/*.test.ts'] });
