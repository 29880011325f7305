import { fileURLToPath } from 'node:url';
import { createTokenIssuer, createTokenVerifier, standardChain, tokenSettings } from '@mcp-fleet/middleware';
import { ConfigError, createTelemetry, isPrepareRun, loadConfig, serve, startService } from '@mcp-fleet/runtime';
import { openDatabase, prepareDatabase } from '@mcp-fleet/storage';
import { documentsConfigSchema, productionProblems } from './config';
import { LoginLimits } from './login-limits';
import { hashPassword } from './passwords';
import { createServer } from './server';
import { DocumentRepository } from './store/repository';
import { postgresLimitStore } from './store/limit-store';
import { SCHEMA } from './store/migrations';

await startService(async () => {
  const config = loadConfig({ dir: new URL('../config', import.meta.url), schema: documentsConfigSchema });
  const storage = { schema: SCHEMA, from: fileURLToPath(new URL('.', import.meta.url)) };
  // `main.js --prepare` makes PGlite's template and exits; in the image (production: PostgreSQL only) it makes none.
  if (isPrepareRun()) {
    const started = performance.now();
    const template = await prepareDatabase(config, storage);
    process.stdout.write(`documents: ${template ? `PGlite template ${template} ready` : 'no PGlite template (production runs on PostgreSQL only)'} in ${Math.round(performance.now() - started)} ms\n`);
    return;
  }
  const problems = productionProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const telemetry = createTelemetry('documents', config);
  const { logger } = telemetry;

  const tokens = tokenSettings(config.auth, (message) => logger.warn({}, message));

  const sql = await openDatabase(config, storage);
  // With PostgreSQL the limits hold across replicas; PGlite is one process anyway.
  const limitStore = sql.pool ? postgresLimitStore(sql.pool) : undefined;
  const repo = await DocumentRepository.open(sql);
  logger.info({ backend: sql.backend, ...(config.databaseUrl ? {} : { dataDir: config.dataDir }) }, 'database ready');
  for (const user of config.seedUsers) {
    if (!(await repo.findUser(user.username))) await repo.ensureUser(user.username, await hashPassword(user.password));
  }

  const middleware = standardChain({
    logger,
    auth: true,
    rateLimit: { ...config.rateLimit, store: limitStore },
    timeout: { ms: config.callTimeoutMs },
  });
  const issueToken = tokens.secret ? createTokenIssuer(tokens) : undefined;
  const loginLimits = new LoginLimits(config.loginLimits, limitStore);
  await serve(() => createServer({ repo, middleware, issueToken, loginLimits }), {
    name: 'documents',
    config,
    ...telemetry,
    authenticate: createTokenVerifier(tokens),
    checks: { database: () => repo.ping() },
    onShutdown: () => repo.close(),
  });
});
