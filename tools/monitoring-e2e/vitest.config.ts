import { e2eProjectConfig } from '@mcp-fleet/vitest-preset';

export default e2eProjectConfig();
