// The provisioning every test run starts with (npm test, .ci/run, the devcontainer): on a machine without the system
// tools, it installs them where it can and otherwise stops before any test, naming each with how to install it.
// A machine "without" a tool is a PATH without it; apt-get, which would change this machine, is a stand-in that
// records what it was asked and installs stand-ins.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
const SCRIPT = join(root, 'tools', 'dev', 'provision.sh');
const isRoot = process.getuid?.() === 0;

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  scratch.push(dir);
  return dir;
};

/** A bin folder with every command of this machine's PATH but `without`, and `scripts` of its own. */
function machine(without: string[], scripts: Record<string, string> = {}): string {
  const bin = tempDir('provision-bin-');
  for (const dir of (process.env.PATH ?? '').split(':').filter((entry) => entry && existsSync(entry) && !entry.includes('node_modules'))) {
    for (const name of readdirSync(dir)) {
      if (without.includes(name) || existsSync(join(bin, name))) continue;
      symlinkSync(join(dir, name), join(bin, name));
    }
  }
  for (const [name, text] of Object.entries(scripts)) writeFileSync(join(bin, name), text, { mode: 0o755 });
  return bin;
}

/** The script as `npm test` runs it, on that PATH, as root or as nobody, with `command` after it. */
function provision(
  bin: string,
  command: string,
  options: { asNobody?: boolean; env?: Record<string, string | undefined>; cwd?: string } = {},
) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    PATH: bin,
    DATABASE_URL: undefined,
    MCP_FLEET_NO_POSTGRES: undefined,
    ...options.env,
  };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const args = ['bash', SCRIPT, '--', 'bash', '-c', command];
  const [file, argv] = options.asNobody
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...args]]
    : [args[0]!, args.slice(1)];
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(file, argv, { env: env as NodeJS.ProcessEnv, cwd: options.cwd ?? tmpdir(), encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('provision.sh, before any test runs', () => {
  it.runIf(isRoot)(
    'as a user who cannot install: stops before the command, naming each missing tool with the command for Debian and for macOS',
    async () => {
      const marker = join(tempDir('provision-marker-'), 'ran');
      const result = await provision(machine(['prometheus', 'promtool', 'prometheus-alertmanager', 'amtool']), `touch ${marker}`, {
        asNobody: true,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('provision: the tests need these system tools, and cannot install them here');
      expect(result.stderr).toContain(
        '  - prometheus promtool prometheus-alertmanager amtool (missing): Debian/Ubuntu: sudo apt-get install --no-install-recommends prometheus prometheus-alertmanager; macOS: brew install prometheus alertmanager',
      );
      expect(result.stderr).toContain('no test has run');
      expect(existsSync(marker)).toBe(false);
    },
  );

  it('as root where there is no apt-get (not Debian or Ubuntu): stops the same way', async () => {
    const result = await provision(machine(['prometheus', 'promtool', 'apt-get', 'sudo']), 'true');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('prometheus promtool (missing)');
  });

  it.runIf(isRoot)('as root on Debian or Ubuntu: installs what is missing with apt-get, then runs the command', async () => {
    const bin = machine(['prometheus', 'promtool', 'apt-get'], {
      // What the real apt-get would leave: the two commands on the PATH.
      'apt-get': `#!/bin/sh\necho "$*" >> "${'$'}(dirname "$0")/apt.log"\nif [ "$1" = install ]; then for tool in prometheus promtool; do printf '#!/bin/sh\\n' > "${'$'}(dirname "$0")/$tool"; chmod +x "${'$'}(dirname "$0")/$tool"; done; fi\n`,
    });
    const result = await provision(bin, 'echo "ran with $DATABASE_URL"', { env: { DATABASE_URL: 'postgres://given/db' } });
    expect(result.stderr).toContain('provision: installing with apt-get: prometheus');
    expect(result).toMatchObject({ code: 0, stdout: 'ran with postgres://given/db\n' });
    expect(readFileSync(join(bin, 'apt.log'), 'utf8')).toBe('update -qq\ninstall -y -qq --no-install-recommends prometheus\n');
  });

  it.runIf(isRoot)('without DATABASE_URL and without root, runs the command and says why the PostgreSQL tests are skipped', async () => {
    const result = await provision(machine([]), 'echo "$MCP_FLEET_NO_POSTGRES"', { asNobody: true });
    expect(result).toMatchObject({
      code: 0,
      stdout: 'no DATABASE_URL, and neither root nor passwordless sudo to run PostgreSQL: set DATABASE_URL=postgres://… to run them\n',
    });
  });

  it.runIf(isRoot && existsSync('/usr/bin/pg_lsclusters'))(
    'as root, gives the command a PostgreSQL database of its own, and drops it when the command ends',
    async () => {
      // Run from a folder of its own: the database is named after the checkout, and this must not be npm test's.
      const checkout = tempDir('provision-checkout-');
      const result = await provision(machine([]), 'psql "$DATABASE_URL" -Atc "select current_database()"', { cwd: checkout });
      expect(result.code, result.stderr).toBe(0);
      const database = result.stdout.trim();
      expect(database).toMatch(/^mcp_fleet_test_[0-9a-f]{10}$/);
      const databases = await new Promise<string>((resolve) =>
        execFile('su', ['postgres', '-c', 'psql -Atc "select datname from pg_database"'], { encoding: 'utf8' }, (_error, stdout) =>
          resolve(stdout),
        ),
      );
      expect(databases.split('\n')).not.toContain(database);
    },
  );

  it.runIf(isRoot && existsSync('/usr/bin/pg_lsclusters'))(
    'gives runs started at once from several checkouts a database each (two npm tests side by side)',
    async () => {
      const runs = await Promise.all(
        [1, 2, 3, 4, 5, 6].map(() =>
          provision(machine([]), 'psql "$DATABASE_URL" -Atc "select current_database()"', { cwd: tempDir('provision-checkout-') }),
        ),
      );
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      expect(new Set(runs.map((run) => run.stdout.trim())).size).toBe(6);
    },
  );

  it('says how it is used, and refuses to run nothing', async () => {
    const help = await new Promise<string>((resolve) =>
      execFile('bash', [SCRIPT, '--help'], { encoding: 'utf8' }, (_error, stdout) => resolve(stdout)),
    );
    expect(help).toContain('Usage: bash tools/dev/provision.sh [--install] [-- COMMAND [ARGS...]]');
    const nothing = await new Promise<number>((resolve) => execFile('bash', [SCRIPT], (error) => resolve(Number(error?.code ?? 0))));
    expect(nothing).toBe(2);
  });

  it('is what npm test, .ci/run and the devcontainer run first', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.test).toMatch(/^bash tools\/dev\/provision\.sh -- /);
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toContain('bash tools/dev/provision.sh --install');
    const devcontainer = parse(readFileSync(join(root, '.devcontainer', 'devcontainer.json'), 'utf8')) as { postCreateCommand: string };
    expect(devcontainer.postCreateCommand).toMatch(/^bash tools\/dev\/provision\.sh --install && npm ci$/);
  });
});
