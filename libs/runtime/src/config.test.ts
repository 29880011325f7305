import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConfigError, loadConfig } from './config';

function configDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills every runtime default when there is no file and no variable', () => {
    const config = loadConfig({ dir: configDir({}), env: {} });
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', logLevel: 'info', transport: 'http', environment: 'development' });
    expect(config.http).toMatchObject({ maxBodyBytes: 1_048_576, legacySessions: false, allowedHosts: [] });
    expect(config.shutdown).toEqual({ graceMs: 10_000, drainDelayMs: 0 });
  });

  it('layers base.yaml, then <MCP_ENV>.yaml, then environment variables', () => {
    const dir = configDir({
      'base.yaml': 'port: 3001\nlogLevel: info\nhttp:\n  maxBodyBytes: 1000\n  legacySessions: true\n',
      'production.yaml': 'port: 8080\nhttp:\n  maxBodyBytes: 2000\n',
    });
    const config = loadConfig({ dir, env: { MCP_ENV: 'production', LOG_LEVEL: 'warn', HTTP__MAX_BODY_BYTES: '3000' } });
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('warn');
    expect(config.http.maxBodyBytes).toBe(3000);
    expect(config.http.legacySessions).toBe(true);
    expect(config.environment).toBe('production');
  });

  it('converts variables to the type each key declares', () => {
    const config = loadConfig({
      dir: configDir({}),
      env: { PORT: '0', HTTP__LEGACY_SESSIONS: 'yes', HTTP__ALLOWED_HOSTS: 'a.example, b.example', SHUTDOWN__GRACE_MS: '500' },
    });
    expect(config.port).toBe(0);
    expect(config.http.legacySessions).toBe(true);
    expect(config.http.allowedHosts).toEqual(['a.example', 'b.example']);
    expect(config.shutdown.graceMs).toBe(500);
  });

  it("validates the app's own keys with the runtime's and reads them from the environment", () => {
    const schema = z.object({ databaseUrl: z.string().url().optional(), auth: z.strictObject({ secret: z.string().min(16) }) });
    const config = loadConfig({
      dir: configDir({ 'base.yaml': 'auth:\n  secret: from-the-yaml-file-0123\n' }),
      schema,
      env: { DATABASE_URL: 'postgres://localhost/db' },
    });
    expect(config.databaseUrl).toBe('postgres://localhost/db');
    expect(config.auth.secret).toBe('from-the-yaml-file-0123');
    const problems = problemsOf(() => loadConfig({ dir: configDir({}), schema, env: { AUTH__SECRET: 'short' } }));
    expect(problems).toEqual([expect.stringMatching(/^auth\.secret = "short" \(from env AUTH__SECRET\): Too small/)]);
  });

  it('reports every bad key at once with its value and where it came from', () => {
    const dir = configDir({ 'base.yaml': 'logLevel: loud\nhttp:\n  maxBodyBytes: -1\n' });
    const problems = problemsOf(() => loadConfig({ dir, env: { PORT: 'abc', HTTP__LEGACY_SESSIONS: 'maybe' } }));
    expect(problems).toHaveLength(4);
    expect(problems).toContain('port = "abc" (from env PORT): Invalid input: expected number, received string');
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^logLevel = "loud" \\(from ${dir}/base.yaml\\): Invalid option`)));
    expect(problems).toContainEqual(expect.stringMatching(/^http\.maxBodyBytes = -1 .*Too small/));
    expect(problems).toContainEqual(expect.stringMatching(/^http\.legacySessions = "maybe" \(from env HTTP__LEGACY_SESSIONS\)/));
  });

  it('names a misspelt key instead of ignoring it', () => {
    const dir = configDir({ 'base.yaml': 'prot: 3000\nhttp:\n  maxBodyByte: 5\n' });
    const problems = problemsOf(() => loadConfig({ dir, env: {} }));
    expect(problems.join('\n')).toContain(`prot is not a known key (from ${dir}/base.yaml); check its spelling`);
    expect(problems.join('\n')).toContain(`http.maxBodyByte is not a known key (from ${dir}/base.yaml)`);
  });

  it('names the file and line of invalid YAML, and a file that is not a mapping', () => {
    const broken = configDir({ 'base.yaml': 'port: 3000\nhttp: [unclosed\n' });
    expect(problemsOf(() => loadConfig({ dir: broken, env: {} }))[0]).toMatch(/base\.yaml at line \d+ is not valid YAML/);
    const list = configDir({ 'base.yaml': '- 1\n- 2\n' });
    expect(problemsOf(() => loadConfig({ dir: list, env: {} }))[0]).toMatch(/base\.yaml must hold a mapping of keys, got a list/);
  });

  it('refuses an MCP_ENV without a config file, listing the ones there are', () => {
    const dir = configDir({ 'base.yaml': '', 'test.yaml': 'port: 0\n', 'production.yaml': '' });
    expect(problemsOf(() => loadConfig({ dir, env: { MCP_ENV: 'prodution' } }))[0]).toBe(
      `MCP_ENV is "prodution" but ${dir}/prodution.yaml does not exist; create it or use one of: test, production`,
    );
    expect(problemsOf(() => loadConfig({ dir, env: { MCP_ENV: '../etc' } }))[0]).toMatch(/^MCP_ENV must be lowercase/);
  });

  it('accepts a URL for the folder, as apps pass new URL("../config", import.meta.url)', () => {
    const dir = configDir({ 'base.yaml': 'port: 4321\n' });
    expect(loadConfig({ dir: new URL(`file://${dir}/`), env: {} }).port).toBe(4321);
  });

  it('refuses the test-only fault outside test and development, naming where it was set', () => {
    const dir = configDir({ 'base.yaml': '', 'test.yaml': '', 'production.yaml': '' });
    expect(problemsOf(() => loadConfig({ dir, env: { MCP_ENV: 'production', FAULTS__TOGGLE_ON_SIGNAL: 'true' } }))).toEqual([
      'faults.toggleOnSignal = true (from env FAULTS__TOGGLE_ON_SIGNAL): a test-only fault, refused in MCP_ENV=production; remove it (allowed in test and development only)',
    ]);
    expect(loadConfig({ dir, env: { MCP_ENV: 'test', FAULTS__TOGGLE_ON_SIGNAL: 'true' } }).faults.toggleOnSignal).toBe(true);
  });
});
