import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createTokenIssuer, createTokenVerifier, standardChain } from '@mcp-fleet/middleware';
import { ConfigError, createTelemetry, loadConfig, serve, startService } from '@mcp-fleet/runtime';
import { documentsConfigSchema, productionProblems, resolveDataDir } from './config';
import { hashPassword } from './passwords';
import { createServer } from './server';
import { DocumentRepository } from './store/repository';
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
  const sql = config.databaseUrl ? await openPostgres(config.databaseUrl) : await openPglite(dataDir, { templateDir });
  const repo = await DocumentRepository.open(sql);
  logger.info({ backend: sql.backend, ...(config.databaseUrl ? {} : { dataDir }) }, 'database ready');
  for (const user of config.seedUsers) {
    if (!(await repo.findUser(user.username))) await repo.ensureUser(user.username, await hashPassword(user.password));
  }

  const middleware = standardChain({
    logger,
    registry: telemetry.metrics.registry,
    auth: true,
    rateLimit: config.rateLimit,
    timeout: { ms: config.callTimeoutMs },
  });
  const issueToken = secret ? createTokenIssuer({ ...tokens, ttlSec: config.auth.tokenTtlSec }) : undefined;
  await serve(() => createServer({ repo, middleware, issueToken }), {
    name: 'documents',
    config,
    ...telemetry,
    authenticate: createTokenVerifier(tokens),
    checks: { database: () => repo.ping() },
    onShutdown: () => repo.close(),
  });
});
