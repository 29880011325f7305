import { loadConfig, serve, startService } from '@mcp-fleet/runtime';
import { createServer } from './server';

await startService(async () => {
  const config = loadConfig({ dir: new URL('../config', import.meta.url) });
  await serve(() => createServer(), { name: 'text-tools', config });
});
