import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { runScript, scriptBundles } from '@mcp-fleet/cli-kit/testing';
import { startKubeFake, type KubeFake } from '@mcp-fleet/kube-fake';
import { waitUntil } from '@mcp-fleet/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOCK_SPEED, deployment, healthy, imageOf, service } from './test/deployments';

/** deploy.ts as a user runs it, from the bundle the global setup made (cli-kit's bundleScripts). */
const DEPLOY_BUNDLE = join(scriptBundles(import.meta.dirname), 'deploy.mjs');

/**
 * A command as a person starts it at a terminal: in a process group of its own, which a Ctrl-C (SIGINT to the
 * group) reaches whole, wrappers (npm, nx) and all. Its stdout, line by line; it is killed if a test fails first.
 */
function startInGroup(command: string, args: string[], env: Record<string, string> = {}) {
  // Not CI's run id, when these tests run in CI: each deploy here is its own holder of the lock.
  const child = spawn(command, args, {
    cwd: workspaceRoot(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GITHUB_RUN_ID: '', ...env },
  });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: () => void }[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => line.includes(w.prefix))) waiter.resolve();
  });
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  running.add(child.pid!);
  void exited.then(() => running.delete(child.pid!));
  return {
    lines,
    stderr: () => stderr,
    exited,
    /** Resolves at the first line containing `text`, or rejects when the command ends without one. */
    waitForLine: (text: string) =>
      new Promise<void>((resolve, reject) => {
        if (lines.some((line) => line.includes(text))) return resolve();
        waiters.push({ prefix: text, resolve });
        void exited.then(() => reject(new Error(`${command} ended before printing "${text}":\n${lines.join('\n')}\n${stderr}`)));
      }),
    /** The signal to the whole group, as a terminal's Ctrl-C or a CI runner's cancel sends it. */
    signalGroup: (signal: NodeJS.Signals) => process.kill(-child.pid!, signal),
    kill: () => process.kill(-child.pid!, 'SIGKILL'),
  };
}

/** Process groups a test started and has not seen end: killed after each test, whatever happened. */
const running = new Set<number>();
afterEach(() => {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  running.clear();
});

const OLD = 'registry.test/mcp-fleet/text-tools:aaaa111';

/** deploy.ts as a real process, with real kubectl, against the fake (asynchronously: the fake shares this process). */
const deploy = (fake: KubeFake, ...args: string[]) =>
  runScript(import.meta.dirname, 'deploy.ts', ['--kubeconfig', fake.kubeconfig, ...args], { env: { GITHUB_RUN_ID: '' } });

let fake: KubeFake;
beforeEach(async () => {
  fake = await startKubeFake({ namespace: 'fleet', clockSpeed: CLOCK_SPEED });
  fake.addDeployment(deployment('text-tools', OLD));
  await fake.rolledOut('text-tools');
});
afterEach(() => fake.close());

describe('deploy.ts with real kubectl against kube-fake', () => {
  it('rolls out a good image and exits 0', async () => {
    const result = await deploy(fake, '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:bbbb222');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('text-tools: rolled out registry.test/mcp-fleet/text-tools:bbbb222');
    expect(result.stdout).toMatch(/summary:\n\s+text-tools\s+rolled-out/);
    expect(imageOf(fake, 'text-tools')).toBe('registry.test/mcp-fleet/text-tools:bbbb222');
    expect(healthy(fake, 'text-tools')).toBe(true);
  });

  it('rolls back an image that never becomes ready, ends healthy on the previous image, names the cause, exits 1', async () => {
    fake.script('registry.test/mcp-fleet/text-tools:never', { kind: 'never-ready' });
    const result = await deploy(fake, '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:never');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'text-tools: rollout of registry.test/mcp-fleet/text-tools:never failed: progress deadline exceeded (progressDeadlineSeconds); pods never became ready',
    );
    expect(result.stdout).toMatch(/condition Progressing=False \(ProgressDeadlineExceeded\)/);
    expect(result.stdout).toMatch(/Warning Unhealthy .*Readiness probe failed/);
    expect(result.stdout).toMatch(new RegExp(`rolled back to ${OLD}: healthy again [\\d.]+ s after the failure`));
    expect(imageOf(fake, 'text-tools')).toBe(OLD);
    expect(healthy(fake, 'text-tools')).toBe(true);
    console.log(result.stdout.match(/healthy again [\d.]+ s after the failure/)?.[0]);
  });

  it('rolls back a crash-looping image and says it crash-loops', async () => {
    fake.script('registry.test/mcp-fleet/text-tools:crash', { kind: 'crash-loop' });
    const result = await deploy(fake, '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:crash');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/containers are crash-looping \(CrashLoopBackOff, \d+ restarts\)/);
    expect(result.stdout).toMatch(/waiting: CrashLoopBackOff/);
    expect(result.stdout).toMatch(/Warning BackOff .*Back-off restarting failed container/);
    expect(imageOf(fake, 'text-tools')).toBe(OLD);
    expect(healthy(fake, 'text-tools')).toBe(true);
  });

  it('rolls back when the rollout outlasts --timeout', async () => {
    // A deadline of a cluster-time year and pods ready after a week: only --timeout can end this rollout.
    fake.addDeployment(deployment('patient', 'registry.test/mcp-fleet/patient:aaaa111', 365 * 24 * 3600));
    await fake.rolledOut('patient');
    fake.script('registry.test/mcp-fleet/patient:slow', { kind: 'ready', afterMs: 7 * 24 * 3600_000 });
    const result = await deploy(fake, '--app', 'patient', '--image', 'registry.test/mcp-fleet/patient:slow', '--timeout', '2s');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('failed: not rolled out within --timeout=2s');
    expect(imageOf(fake, 'patient')).toBe('registry.test/mcp-fleet/patient:aaaa111');
    expect(healthy(fake, 'patient')).toBe(true);
  });

  it('with two apps in parallel, rolls back only the one that fails', async () => {
    fake.addDeployment(deployment('documents', 'registry.test/mcp-fleet/documents:aaaa111'));
    fake.script('registry.test/mcp-fleet/documents:bad', { kind: 'never-ready' });
    await fake.rolledOut('documents');
    const result = await deploy(
      fake,
      '--parallel',
      '--app',
      'text-tools',
      '--image',
      'registry.test/mcp-fleet/text-tools:cccc333',
      '--app',
      'documents',
      '--image',
      'registry.test/mcp-fleet/documents:bad',
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/text-tools\s+rolled-out/);
    expect(result.stdout).toMatch(/documents\s+rolled-back \(back on registry.test\/mcp-fleet\/documents:aaaa111\)/);
    expect(imageOf(fake, 'text-tools')).toBe('registry.test/mcp-fleet/text-tools:cccc333');
    expect(imageOf(fake, 'documents')).toBe('registry.test/mcp-fleet/documents:aaaa111');
  });

  it('changes nothing with --dry-run, and prints the commands', async () => {
    const before = fake.requests.length;
    const result = await deploy(
      fake,
      '--dry-run',
      '--namespace',
      'fleet',
      '--app',
      'text-tools',
      '--image',
      'registry.test/mcp-fleet/text-tools:dddd444',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `would run: kubectl --kubeconfig ${fake.kubeconfig} --namespace fleet set image deployment/text-tools text-tools=registry.test/mcp-fleet/text-tools:dddd444`,
    );
    expect(result.stdout).toContain('rollout status deployment/text-tools --timeout=300s');
    expect(fake.requests.length).toBe(before);
    expect(imageOf(fake, 'text-tools')).toBe(OLD);
  });

  it('says clearly when the deployment does not exist, and exits 1 without touching anything', async () => {
    const result = await deploy(fake, '--app', 'nope', '--image', 'registry.test/mcp-fleet/nope:1');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/nope: cannot read deployment\/nope: Error from server \(NotFound\): deployments.apps "nope" not found/);
    expect(fake.requests.some((request) => request.method === 'PATCH')).toBe(false);
  });

  it('refuses bad arguments with exit 2 before any kubectl call', async () => {
    const result = await deploy(fake, '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:latest');
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('"latest" is not a release') });
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses canary settings out of range, naming the flag, the value and the range, before any kubectl call', async () => {
    const result = await deploy(
      fake,
      '--app',
      'text-tools',
      '--image',
      'registry.test/mcp-fleet/text-tools:b',
      '--strategy',
      'canary',
      '--canary-weight-percent',
      '80',
    );
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--canary-weight-percent is "80": must be a whole number from 1 to 50'),
    });
    expect(
      (await deploy(fake, '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:b', '--strategy', 'blue-green')).stderr,
    ).toContain('--strategy must be rolling or canary, got "blue-green"');
    expect(fake.requests).toHaveLength(0);
  });

  it('killed with SIGTERM mid-bake: deletes its canary, leaves the stable Deployment as it was, exits 143; a deploy meanwhile is refused', async () => {
    fake.addService(service('text-tools'));
    fake.scriptTraffic(OLD, { rps: 20 });
    fake.scriptTraffic('registry.test/mcp-fleet/text-tools:eeee555', { rps: 20 });
    const before = structuredClone(fake.deployment('text-tools')!);
    const args = [
      '--kubeconfig',
      fake.kubeconfig,
      '--app',
      'text-tools',
      '--image',
      'registry.test/mcp-fleet/text-tools:eeee555',
      '--strategy',
      'canary',
      '--canary-interval',
      '1s',
      '--canary-passes',
      '50',
    ];
    const child = spawn(process.execPath, [DEPLOY_BUNDLE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'close');
    const output: string[] = [];
    // The event itself: the first judged interval, so the canary is up and baking.
    await new Promise<void>((resolve) =>
      createInterface({ input: child.stdout }).on('line', (line) => {
        output.push(line);
        if (line.startsWith('text-tools: interval 1:')) resolve();
      }),
    );
    expect(fake.deployment('text-tools-canary')).toBeDefined();
    const second = await deploy(fake, '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:ffff666');
    expect(second.code).toBe(1);
    // A rolling deploy takes the same lock, and is refused.
    expect(second.stdout).toMatch(
      /text-tools: another deploy of text-tools is running \(.+ pid \d+, lease\/text-tools-deploy; it expires /,
    );

    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal, output: output.join('\n') }).toMatchObject({ code: 143, signal: null });
    expect(output).toContain('text-tools: canary text-tools-canary deleted');
    expect(fake.deployment('text-tools-canary')).toBeUndefined();
    expect(fake.deployment('text-tools')!.metadata.generation).toBe(before.metadata.generation);
    expect(imageOf(fake, 'text-tools')).toBe(OLD);
  });

  describe('stopped by signals', () => {
    const NEW = 'registry.test/mcp-fleet/text-tools:eeee555';
    const canaryArgs = ['--app', 'text-tools', '--image', NEW, '--strategy', 'canary', '--canary-interval', '1s', '--canary-passes', '50'];
    beforeEach(() => {
      fake.addService(service('text-tools'));
      fake.scriptTraffic(OLD, { rps: 20 });
      fake.scriptTraffic(NEW, { rps: 20 });
    });
    const nothingLeft = () =>
      fake.deployment('text-tools-canary') === undefined &&
      fake.lease('text-tools-deploy') === undefined &&
      imageOf(fake, 'text-tools') === OLD;

    it('takes one Ctrl-C delivered twice at once (a wrapper passing it on) as one: the canary and the lock go, the report is printed, exit 130', async () => {
      const run = startInGroup(process.execPath, [DEPLOY_BUNDLE, '--kubeconfig', fake.kubeconfig, ...canaryArgs]);
      await run.waitForLine('text-tools: interval 1:');
      run.signalGroup('SIGINT');
      await waitUntil(() => run.lines.some((line) => line.startsWith('SIGINT: stopping')), { what: 'the first signal taken' });
      run.signalGroup('SIGINT');
      const [code] = await run.exited;
      const output = run.lines.join('\n');
      expect({ code, output, stderr: run.stderr() }).toMatchObject({ code: 130 });
      expect(run.lines, output + run.stderr()).toContain('text-tools: canary text-tools-canary deleted');
      expect(run.lines, output).toContain('text-tools: lock released (lease/text-tools-deploy deleted)');
      expect(output).toContain('text-tools: interrupted (SIGINT); canary deleted, deployment/text-tools untouched on');
      expect(nothingLeft()).toBe(true);
    });

    it("stops at a signal while the canary's pods are still becoming ready: interrupted, not 'never became ready'", async () => {
      fake.script(NEW, { kind: 'never-ready' });
      const run = startInGroup(process.execPath, [DEPLOY_BUNDLE, '--kubeconfig', fake.kubeconfig, ...canaryArgs, '--timeout', '60s']);
      await run.waitForLine('waiting for it (up to 60s)');
      await waitUntil(() => fake.deployment('text-tools-canary') !== undefined, { what: 'the canary created' });
      run.signalGroup('SIGTERM');
      const [code] = await run.exited;
      expect(code).toBe(143);
      expect(run.lines.join('\n')).toContain('text-tools: interrupted (SIGTERM); canary deleted');
      expect(run.lines.join('\n')).not.toContain('never became ready');
      expect(nothingLeft()).toBe(true);
    });

    it('through npm run deploy, as docs/deploy.md says to run it: one Ctrl-C, and npm returns only once the canary and the lock are gone', async () => {
      const run = startInGroup('npm', ['run', '--silent', 'deploy', '--', '--kubeconfig', fake.kubeconfig, ...canaryArgs]);
      await run.waitForLine('text-tools: interval 1:');
      run.signalGroup('SIGINT');
      await run.exited;
      expect(nothingLeft()).toBe(true);
      expect(run.lines).toContain('text-tools: canary text-tools-canary deleted');
    });

    it('through nx run <app>:deploy: one Ctrl-C (which nx passes on as SIGINT and SIGTERM too), and nx returns only once the canary and the lock are gone', async () => {
      const run = startInGroup(
        'npx',
        [
          'nx',
          'run',
          'text-tools:deploy',
          '--kubeconfig',
          fake.kubeconfig,
          ...canaryArgs.slice(2),
          '--output-style=stream-without-prefixes',
        ],
        {
          NX_DAEMON: 'false',
          NX_NO_CLOUD: 'true',
          NX_ISOLATE_PLUGINS: 'false',
        },
      );
      await run.waitForLine('interval 1:');
      run.signalGroup('SIGINT');
      await run.exited;
      expect(nothingLeft()).toBe(true);
    });

    it('keeps its lock past the lease while it bakes; killed outright, its lock expires and the next deploy takes over, deleting the canary it left', async () => {
      const first = startInGroup(process.execPath, [DEPLOY_BUNDLE, '--kubeconfig', fake.kubeconfig, ...canaryArgs, '--lock-lease', '2s']);
      await first.waitForLine('text-tools: interval 4:');
      // Four seconds in, twice its lease: renewed, so another deploy is refused.
      const refused = await deploy(
        fake,
        '--app',
        'text-tools',
        '--image',
        'registry.test/mcp-fleet/text-tools:ffff666',
        '--lock-lease',
        '2s',
      );
      expect(refused.stdout).toMatch(/another deploy of text-tools is running/);
      first.kill();
      await first.exited;
      expect(fake.deployment('text-tools-canary')).toBeDefined();
      // As it stands now: a renewal the killed process had under way may land after it died.
      await waitUntil(() => Date.now() > Date.parse(fake.lease('text-tools-deploy')!.spec.renewTime) + 2500, {
        what: "the killed deploy's lease expired",
      });
      const next = await deploy(fake, '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:ffff666', '--lock-lease', '2s');
      expect(next.code, next.stdout).toBe(0);
      expect(next.stdout).toMatch(/text-tools: took the deploy lock over from .+ pid \d+, whose lease had expired/);
      expect(next.stdout).toMatch(
        /text-tools: deployment\/text-tools-canary was left by a deploy that did not finish \(.+\): canary text-tools-canary deleted/,
      );
      expect(fake.deployment('text-tools-canary')).toBeUndefined();
      expect(fake.lease('text-tools-deploy')).toBeUndefined();
    });

    it('--cleanup, after a run was killed: deletes the canary and the lock that run holds, and nothing of another run', async () => {
      const killed = startInGroup(process.execPath, [DEPLOY_BUNDLE, '--kubeconfig', fake.kubeconfig, ...canaryArgs], {
        GITHUB_RUN_ID: '41',
        GITHUB_RUN_ATTEMPT: '1',
        GITHUB_REPOSITORY: 'acme/fleet',
      });
      await killed.waitForLine('text-tools: interval 1:');
      killed.kill();
      await killed.exited;
      const other = await runScript(
        import.meta.dirname,
        'deploy.ts',
        ['--kubeconfig', fake.kubeconfig, '--cleanup', '--app', 'text-tools'],
        { env: { GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '1', GITHUB_REPOSITORY: 'acme/fleet' } },
      );
      expect(other.stdout).toContain("text-tools: canary text-tools-canary left alone: it is github-run acme/fleet#41.1's, not this one's");
      expect(fake.deployment('text-tools-canary')).toBeDefined();
      const own = await runScript(import.meta.dirname, 'deploy.ts', ['--kubeconfig', fake.kubeconfig, '--cleanup', '--app', 'text-tools'], {
        env: { GITHUB_RUN_ID: '41', GITHUB_RUN_ATTEMPT: '1', GITHUB_REPOSITORY: 'acme/fleet' },
      });
      expect(own.code).toBe(0);
      expect(own.stdout).toBe(
        'text-tools: canary text-tools-canary deleted\ntext-tools: lock released (lease/text-tools-deploy deleted)\n',
      );
      expect(nothingLeft()).toBe(true);
      const outsideCi = await runScript(
        import.meta.dirname,
        'deploy.ts',
        ['--kubeconfig', fake.kubeconfig, '--cleanup', '--app', 'text-tools'],
        { env: { GITHUB_RUN_ID: '' } },
      );
      expect(outsideCi).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--cleanup finds what this GitHub Actions run left by its run id'),
      });
    });
  });
});
