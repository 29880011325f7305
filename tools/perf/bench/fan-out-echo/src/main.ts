// Bench variant (o), fan-out: one replica of a service sharing PostgreSQL's LISTEN/NOTIFY bus (BENCH_BUS_URL) with
// the others. `touch` tells every listener of bench://counter, through whichever replica it is called. Its own
// app, so that the other variants' server (runtime-echo) loads no database driver. Built by build-app like any app.
import { access, standardChain, textResult, withMiddleware } from '@mcp-fleet/middleware';
import { createTelemetry, loadConfig, notifierOf, serve, startService } from '@mcp-fleet/runtime';
import { postgresEventBus } from '@mcp-fleet/storage';
import { McpServer } from '@modelcontextprotocol/server';

const COUNTER = 'bench://counter';
const open = { _meta: access({ public: true }) };

await startService(async () => {
  const url = process.env.BENCH_BUS_URL;
  if (!url)
    throw new Error('BENCH_BUS_URL is not set: the PostgreSQL whose bus the replicas share (npm run bench sets it from DATABASE_URL)');
  const config = loadConfig({ dir: new URL('../config', import.meta.url) });
  const telemetry = createTelemetry('bench-fan-out', config);
  const middleware = standardChain({ logger: telemetry.logger, auth: true });
  const bus = await postgresEventBus({ url, service: 'bench-fan-out' });
  const notify = notifierOf(bus);
  const createServer = () => {
    const server = withMiddleware(
      new McpServer({ name: 'bench-fan-out', version: '0' }, { capabilities: { resources: { subscribe: true } } }),
      middleware,
    );
    server.registerResource('counter', COUNTER, open, () => ({ contents: [{ uri: COUNTER, text: '' }] }));
    server.registerTool('touch', open, async () => {
      notify.resourceUpdated(COUNTER);
      return textResult('touched');
    });
    return server;
  };
  await serve(createServer, { name: 'bench-fan-out', config, ...telemetry, bus, onShutdown: () => bus.close() });
});
