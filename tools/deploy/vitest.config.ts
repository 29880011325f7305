import { scriptsProjectConfig } from '@mcp-fleet/vitest-preset';

export default scriptsProjectConfig();
