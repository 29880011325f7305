import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startKubeFake, type KubeFake } from '@mcp-fleet/kube-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCRIPT_BUNDLES } from './test/bundle-scripts';
import { CLOCK_SPEED, deployment, healthy, imageOf, service } from './test/deployments';
import { runScript } from './test/run-script';

const OLD = 'registry.test/mcp-fleet/text-tools:aaaa111';

/** deploy.ts as a real process, with real kubectl, against the fake (asynchronously: the fake shares this process). */
const deploy = (fake: KubeFake, ...args: string[]) => runScript('deploy.ts', ['--kubeconfig', fake.kubeconfig, ...args]);

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
    expect(result.stdout).toContain('text-tools: rollout of registry.test/mcp-fleet/text-tools:never failed: progress deadline exceeded (progressDeadlineSeconds); pods never became ready');
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
    const result = await deploy(fake, '--dry-run', '--namespace', 'fleet', '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:dddd444');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`would run: kubectl --kubeconfig ${fake.kubeconfig} --namespace fleet set image deployment/text-tools text-tools=registry.test/mcp-fleet/text-tools:dddd444`);
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
    const result = await deploy(fake, '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:b', '--strategy', 'canary', '--canary-weight', '80');
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('--canary-weight must be from 1 to 50') });
    expect((await deploy(fake, '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:b', '--strategy', 'blue-green')).stderr).toContain('--strategy must be rolling or canary, got "blue-green"');
    expect(fake.requests).toHaveLength(0);
  });

  it('killed with SIGTERM mid-bake: deletes its canary, leaves the stable Deployment as it was, exits 143; a deploy meanwhile is refused', async () => {
    fake.addService(service('text-tools'));
    fake.scriptTraffic(OLD, { rps: 20 });
    fake.scriptTraffic('registry.test/mcp-fleet/text-tools:eeee555', { rps: 20 });
    const before = structuredClone(fake.deployment('text-tools')!);
    const args = ['--kubeconfig', fake.kubeconfig, '--app', 'text-tools', '--image', 'registry.test/mcp-fleet/text-tools:eeee555', '--strategy', 'canary', '--canary-interval', '1s', '--canary-passes', '50'];
    const child = spawn(process.execPath, [join(SCRIPT_BUNDLES, 'deploy.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    expect(second.stdout).toMatch(/text-tools: another deploy of text-tools is running \(.+ pid \d+, its lock expires /);

    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal, output: output.join('\n') }).toMatchObject({ code: 143, signal: null });
    expect(output).toContain('text-tools: canary text-tools-canary deleted');
    expect(fake.deployment('text-tools-canary')).toBeUndefined();
    expect(fake.deployment('text-tools')!.metadata.generation).toBe(before.metadata.generation);
    expect(imageOf(fake, 'text-tools')).toBe(OLD);
  });
});
