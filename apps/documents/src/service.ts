import { fileURLToPath } from 'node:url';
import { createTokenIssuer, createTokenVerifier, standardChain, tokenSettings } from '@mcp-fleet/middleware';
import { ConfigError, createTelemetry, loadConfig, notifierOf, type ServiceDefinition } from '@mcp-fleet/runtime';
import { openDatabase, serviceEventBus, storageFunctionProblems } from '@mcp-fleet/storage';
import { documentsConfigSchema, productionProblems, type DocumentsConfig } from './config';
import { LoginLimits } from './login-limits';
import { hashPassword } from './passwords';
import { createServer } from './server';
import { DocumentRepository } from './store/repository';
import { postgresLimitStore } from './store/limit-store';
import { SCHEMA } from './store/migrations';

export const loadDocumentsConfig = (env: Record<string, string | undefined> = process.env): DocumentsConfig =>
  loadConfig({ dir: new URL('../config', import.meta.url), schema: documentsConfigSchema, env });

/** Where the database lives and where its relative folders are resolved from. */
export const storage = { schema: SCHEMA, from: fileURLToPath(new URL('.', import.meta.url)) };

/**
 * documents as either host serves it: `serve()` in main.ts (`host: 'process'`), the Lambda entry in lambda.ts
 * (`host: 'lambda'`, which needs PostgreSQL).
 */
export async function defineService({
  host,
  config = loadDocumentsConfig(),
}: {
  host: 'process' | 'lambda';
  config?: DocumentsConfig;
}): Promise<ServiceDefinition> {
  const problems = [...productionProblems(config), ...(host === 'lambda' ? storageFunctionProblems(config) : [])];
  if (problems.length > 0) throw new ConfigError(problems);
  const telemetry = createTelemetry('documents', config);
  const { logger } = telemetry;

  const tokens = tokenSettings(config.auth, (message) => logger.warn({}, message));

  const sql = await openDatabase(config, storage);
  // With PostgreSQL the limits hold across replicas and function instances; PGlite is one process anyway.
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
  // On PostgreSQL, a change made through any replica reaches the listeners of every one.
  const bus = await serviceEventBus({ config, service: 'documents', host, logger });
  const notify = notifierOf(bus);
  const loginLimits = new LoginLimits(config.loginLimits, limitStore);
  return {
    name: 'documents',
    config,
    ...telemetry,
    factory: () => createServer({ repo, middleware, issueToken, loginLimits, notify, subjects: tokens.jwksUrl ? 'provider' : 'own' }),
    authenticate: createTokenVerifier(tokens),
    resourceServer: config.auth,
    bus,
    checks: { database: () => repo.ping() },
    onShutdown: async () => {
      await bus.close();
      await repo.close();
    },
  };
}
