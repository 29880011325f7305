import { serve, startService } from '@mcp-fleet/runtime';
import { defineService } from './service';

await startService(async () => {
  const service = await defineService();
  await serve(service.factory, service);
});
