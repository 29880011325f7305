// What the CI cleanup step does after a cancelled or failed deploy, with the real kubectl against kube-fake: this
// run's canary and lock go, another run's stay, and each says so.
import { startKubeFake, type KubeFake } from '@mcp-fleet/kube-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOCK_SPEED, deployment } from '../test/deployments';
import { canaryManifest } from './canary';
import { kubectl } from './kubectl';
import { deployOptions } from './options';
import { cleanUpAfter } from './release';
import type { Kubectl } from './rollout';

let fake: KubeFake;
beforeEach(async () => {
  fake = await startKubeFake({ namespace: 'fleet', clockSpeed: CLOCK_SPEED });
  fake.addDeployment(deployment('docs', 'r/docs:1'));
});
afterEach(() => fake.close());

const options = () => deployOptions({ app: ['docs'], image: ['r/docs:2'], kubeconfig: fake.kubeconfig });

/** What a deploy held by `holder` left when it was killed: its canary and its lease. */
function leftBy(holder: string) {
  const release = options().releases[0]!;
  fake.addDeployment(canaryManifest(fake.deployment('docs')! as never, release, 1, holder) as never);
  fake.cluster.putLease({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'docs-deploy', namespace: 'fleet' },
    spec: { holderIdentity: holder, leaseDurationSeconds: 60, renewTime: new Date().toISOString() },
  });
}

const cleanUp = async (holder: string, using: Kubectl = kubectl) => {
  const lines: string[] = [];
  await cleanUpAfter('docs', options(), using, holder, (line) => lines.push(line));
  return lines;
};

describe('cleanUpAfter (deploy.ts --cleanup)', () => {
  it('deletes the canary and the lock this run holds, and says so', async () => {
    leftBy('github-run acme/fleet#7.1');
    expect(await cleanUp('github-run acme/fleet#7.1')).toEqual(['canary docs-canary deleted', 'lock released (lease/docs-deploy deleted)']);
    expect(fake.deployment('docs-canary')).toBeUndefined();
    expect(fake.lease('docs-deploy')).toBeUndefined();
  });

  it("leaves another run's alone, naming whose they are", async () => {
    leftBy('github-run acme/fleet#8.1');
    expect(await cleanUp('github-run acme/fleet#7.1')).toEqual([
      "canary docs-canary left alone: it is github-run acme/fleet#8.1's, not this one's",
      "deploy lock left alone: it is github-run acme/fleet#8.1's, not this one's",
    ]);
    expect(fake.deployment('docs-canary')).toBeDefined();
    expect(fake.lease('docs-deploy')).toBeDefined();
  });

  it('says there was nothing to clean up', async () => {
    expect(await cleanUp('github-run acme/fleet#7.1')).toEqual(['no canary docs-canary', 'no deploy lock held']);
  });

  it("deletes a canary only by its uid: one replaced meanwhile by another deploy's is left", async () => {
    leftBy('github-run acme/fleet#7.1');
    // Between the read and the delete, the canary is replaced by another deploy's of the same name.
    const replacing: Kubectl = async (args, input, signal) => {
      if (args.includes('delete') && args.some((arg) => arg.endsWith('/deployments/docs-canary'))) {
        fake.cluster.deleteDeployment('fleet', 'docs-canary');
        fake.addDeployment(canaryManifest(fake.deployment('docs')! as never, options().releases[0]!, 1, 'someone-else') as never);
      }
      return kubectl(args, input, signal);
    };
    expect((await cleanUp('github-run acme/fleet#7.1', replacing))[0]).toBe("canary docs-canary left alone: it is another deploy's");
    expect(fake.deployment('docs-canary')!.metadata.annotations!['mcp-fleet.dev/deploy-lock-holder']).toBe('someone-else');
  });

  it('says what to do when the canary cannot be deleted', async () => {
    leftBy('github-run acme/fleet#7.1');
    const refusing: Kubectl = async (args, input, signal) =>
      args.includes('delete')
        ? { code: 1, stdout: '', stderr: 'Error from server (Forbidden): deployments.apps "docs-canary" is forbidden' }
        : kubectl(args, input, signal);
    const lines = await cleanUp('github-run acme/fleet#7.1', refusing);
    expect(lines[0]).toBe(
      'could not delete the canary, delete it yourself: kubectl delete deployment/docs-canary (Error from server (Forbidden): deployments.apps "docs-canary" is forbidden)',
    );
    expect(lines[1]).toMatch(/^could not release the lock, it expires by itself: Error from server \(Forbidden\)/);
  });
});
