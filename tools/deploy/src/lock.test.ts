// The app's deploy lock with the real kubectl against kube-fake's Leases: held by one deploy, renewed while it runs,
// taken over only once it has expired, lost (and said so) when another deploy replaces it.
import { startKubeFake, type KubeFake } from '@mcp-fleet/kube-fake';
import { waitUntil } from '@mcp-fleet/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, holderIdentity, leaseExpiry, type DeployLock } from './lock';
import { kubectl } from './kubectl';
import { deployOptions } from './options';
import type { Kubectl } from './rollout';

let fake: KubeFake;
const held: DeployLock[] = [];
beforeEach(async () => {
  fake = await startKubeFake({ namespace: 'fleet' });
});
afterEach(async () => {
  await Promise.all(held.splice(0).map((lock) => lock.release()));
  await fake.close();
});

const options = (lease = '60s') => deployOptions({ app: ['docs'], image: ['r/docs:2'], kubeconfig: fake.kubeconfig, 'lock-lease': lease });
async function acquire(holder: string, lease?: string, using: Kubectl = kubectl): Promise<DeployLock | { refused: string }> {
  const lock = await acquireLock({ app: 'docs', options: options(lease), kubectl: using, holder });
  if (!('refused' in lock)) held.push(lock);
  return lock;
}

/** A lease as another deploy left it: `renewedAgoMs` since its last renewal, `seconds` long. */
function leftLease(holder: string, renewedAgoMs: number, seconds: unknown = 60) {
  const renewTime = new Date(Date.now() - renewedAgoMs).toISOString();
  fake.cluster.putLease({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'docs-deploy', namespace: 'fleet' },
    spec: { holderIdentity: holder, leaseDurationSeconds: seconds, renewTime, leaseTransitions: 3 },
  });
}

describe('the deploy lock', () => {
  it('is held by one deploy: another is refused, naming the holder and when it expires, until it is released', async () => {
    const first = (await acquire('deploy-a')) as DeployLock;
    expect(first).toMatchObject({ holder: 'deploy-a', namespace: 'fleet', tookOverFrom: undefined });
    expect(fake.lease('docs-deploy')!.spec).toMatchObject({ holderIdentity: 'deploy-a', leaseDurationSeconds: 60, leaseTransitions: 0 });
    const refused = await acquire('deploy-b');
    expect(refused).toEqual({
      refused: expect.stringMatching(
        /^another deploy of docs is running \(deploy-a, lease\/docs-deploy; it expires \S+ unless renewed\); wait for it, or if it was killed outright: kubectl delete lease\/docs-deploy$/,
      ),
    });
    expect(await first.release()).toBe('lock released (lease/docs-deploy deleted)');
    held.length = 0;
    expect(fake.lease('docs-deploy')).toBeUndefined();
    expect('refused' in (await acquire('deploy-b'))).toBe(false);
  });

  it('is renewed while its deploy runs: still held, and others refused, long after its first expiry', async () => {
    await acquire('deploy-a', '2s');
    const firstExpiry = leaseExpiry(fake.lease('docs-deploy')!);
    await waitUntil(() => Date.now() > firstExpiry + 2000, { what: 'two seconds past the first expiry' });
    expect(leaseExpiry(fake.lease('docs-deploy')!)).toBeGreaterThan(Date.now());
    expect(await acquire('deploy-b', '2s')).toMatchObject({
      refused: expect.stringContaining('another deploy of docs is running (deploy-a'),
    });
  });

  it('is taken over once it has expired (its deploy was killed outright), counting the transition', async () => {
    leftLease('killed-deploy', 61_000);
    const lock = (await acquire('deploy-b')) as DeployLock;
    expect(lock.tookOverFrom).toBe('killed-deploy');
    expect(fake.lease('docs-deploy')!.spec).toMatchObject({ holderIdentity: 'deploy-b', leaseTransitions: 4 });
  });

  it('is refused when it names no time it expires: a lease that is garbage is never free', async () => {
    leftLease('someone', 0, 'forever');
    expect(await acquire('deploy-b')).toEqual({
      refused: expect.stringContaining('it names no time it expires, so it never does: delete it if its deploy is gone'),
    });
  });

  it('is lost, and says so, when another deploy replaces it; its release then deletes nothing', async () => {
    const lock = (await acquire('deploy-a', '2s')) as DeployLock;
    const lease = fake.lease('docs-deploy')!;
    fake.cluster.putLease({ ...lease, spec: { ...lease.spec, holderIdentity: 'impostor' } });
    await waitUntil(() => lock.lost.aborted, { what: 'the lock lost' });
    expect((lock.lost.reason as Error).message).toBe('lost the deploy lock: another deploy replaced lease/docs-deploy');
    expect(await lock.release()).toBe('lock not released: it was lost');
    held.length = 0;
    expect(fake.lease('docs-deploy')!.spec.holderIdentity).toBe('impostor');
  });

  it('is lost, and says so, when it cannot be renewed within its duration (the API server unreachable)', async () => {
    let reachable = true;
    const flaky: Kubectl = async (args, input, signal) =>
      reachable
        ? kubectl(args, input, signal)
        : { code: 1, stdout: '', stderr: 'Unable to connect to the server: dial tcp 127.0.0.1:1: connect: connection refused' };
    const lock = (await acquire('deploy-a', '2s', flaky)) as DeployLock;
    reachable = false;
    await waitUntil(() => lock.lost.aborted, { what: 'the lock lost' });
    expect((lock.lost.reason as Error).message).toMatch(
      /^lost the deploy lock: lease\/docs-deploy could not be renewed for 2 s \(Unable to connect to the server/,
    );
  });

  it('is taken over by one deploy only, when two find it expired at once', async () => {
    leftLease('killed-deploy', 61_000);
    // The second writer's replace comes after the first's: it finds the lease modified.
    let first = true;
    const racing: Kubectl = async (args, input, signal) => {
      if (first && args.includes('replace')) {
        first = false;
        await acquire('deploy-c');
      }
      return kubectl(args, input, signal);
    };
    expect(await acquire('deploy-b', undefined, racing)).toEqual({ refused: 'another deploy of docs took lease/docs-deploy just now' });
    expect(fake.lease('docs-deploy')!.spec.holderIdentity).toBe('deploy-c');
  });

  it('says why it cannot be taken when the API server refuses', async () => {
    const forbidden: Kubectl = async () => ({
      code: 1,
      stdout: '',
      stderr: 'Error from server (Forbidden): leases.coordination.k8s.io is forbidden',
    });
    expect(await acquire('deploy-a', undefined, forbidden)).toEqual({
      refused: 'cannot take the deploy lock (lease/docs-deploy): Error from server (Forbidden): leases.coordination.k8s.io is forbidden',
    });
  });

  it('names a GitHub Actions run by its run and attempt, the same in every step of it; else this process', () => {
    expect(holderIdentity({ GITHUB_RUN_ID: '42', GITHUB_RUN_ATTEMPT: '2', GITHUB_REPOSITORY: 'acme/fleet' })).toBe(
      'github-run acme/fleet#42.2',
    );
    expect(holderIdentity({})).toMatch(new RegExp(` pid ${process.pid}$`));
  });
});
