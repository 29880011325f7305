import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createTokenIssuer, createTokenVerifier, standardChain } from '@mcp-fleet/middleware';
import { ConfigError, createTelemetry, loadConfig, serve, startService } from '@mcp-fleet/runtime';
import { documentsConfigSchema, productionProblems, resolveDataDir } from './config';
import { LoginLimits } from './login-limits';
import { hashPassword } from './passwords';
import { createServer } from './server';
import { DocumentRepository } from './store/repository';
import { postgresLimitStore } from './store/limit-store';
import { openPglite, prepareTemplate } from './store/pglite';
import { openPostgres } from './store/sql';

await startService(async () => {
  const config = loadConfig({ dir: new URL('../config', import.meta.url), schema: documentsConfigSchema });
  const here = fileURLToPath(new URL('.', import.meta.url));
  const templateDir = resolveDataDir(config.pgliteTemplateDir, here);
  // `main.js --prepare` makes PGlite's template and exits: the image build runs it, so pods start from it.
  if (process.argv.includes('--prepare')) {
    const started = performance.now();
    process.stdout.write(`documents: PGlite template ${await prepareTemplate(templateDir)} ready in ${Math.round(performance.now() - started)} ms\n`);
    return;
  }
  const problems = productionProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const telemetry = createTelemetry('documents', config);
  const { logger } = telemetry;

  let secret = config.auth.secret;
  if (!secret && !config.auth.jwksUrl) {
    secret = randomBytes(32).toString('base64url');
    logger.warn({}, 'auth.secret is not set (AUTH__SECRET): using a random secret, so tokens end with this process');
  }
  const tokens = { ...config.auth, secret };

  const dataDir = resolveDataDir(config.dataDir, here);
  const postgres = config.databaseUrl ? await openPostgres(config.databaseUrl) : undefined;
  const sql = postgres ?? (await openPglite(dataDir, { templateDir }));
  // With PostgreSQL the limits hold across replicas; PGlite is one process anyway.
  const limitStore = postgres ? postgresLimitStore(postgres.pool) : undefined;
  const repo = await DocumentRepository.open(sql);
  logger.info({ backend: sql.backend, ...(config.databaseUrl ? {} : { dataDir }) }, 'database ready');
  for (const user of config.seedUsers) {
    if (!(await repo.findUser(user.username))) await repo.ensureUser(user.username, await hashPassword(user.password));
  }

  const middleware = standardChain({
    logger,
    registry: telemetry.metrics.registry,
    auth: true,
    rateLimit: { ...config.rateLimit, store: limitStore },
    timeout: { ms: config.callTimeoutMs },
  });
  const issueToken = secret ? createTokenIssuer({ ...tokens, ttlSec: config.auth.tokenTtlSec }) : undefined;
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
