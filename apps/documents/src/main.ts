import { isPrepareRun, serve, startService } from '@mcp-fleet/runtime';
import { prepareDatabase } from '@mcp-fleet/storage';
import { defineService, loadDocumentsConfig, storage } from './service';

await startService(async () => {
  const config = loadDocumentsConfig();
  // `main.js --prepare` makes PGlite's template and exits; in the image (production: PostgreSQL only) it makes none.
  if (isPrepareRun()) {
    const started = performance.now();
    const template = await prepareDatabase(config, storage);
    process.stdout.write(
      `documents: ${template ? `PGlite template ${template} ready` : 'no PGlite template (production runs on PostgreSQL only)'} in ${Math.round(performance.now() - started)} ms\n`,
    );
    return;
  }
  const service = await defineService({ host: 'process', config });
  await serve(service.factory, service);
});
