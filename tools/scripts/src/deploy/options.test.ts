import { describe, expect, it } from 'vitest';
import { deployOptions, kubectlFlags, runbook } from './options';

const image = 'ghcr.io/acme/text-tools:3f2c1a9';

describe('deployOptions', () => {
  it('pairs apps with images and defaults the container to the app', () => {
    const options = deployOptions({ app: ['text-tools', 'documents'], image: [image, 'ghcr.io/acme/documents@sha256:' + 'a'.repeat(64)], timeout: '90s' });
    expect(options.releases).toEqual([
      { app: 'text-tools', image, container: 'text-tools' },
      { app: 'documents', image: 'ghcr.io/acme/documents@sha256:' + 'a'.repeat(64), container: 'documents' },
    ]);
    expect(options).toMatchObject({ timeout: '90s', timeoutMs: 90_000, parallel: false, dryRun: false });
    expect(deployOptions({ app: ['a'], image: ['r/a:1'] }).timeout).toBe('300s');
  });

  it.each([
    [{}, 'give at least one --app NAME --image REF pair'],
    [{ app: ['a', 'b'], image: [image] }, 'every --app needs its --image: got 2 --app and 1 --image'],
    [{ app: ['Text_Tools'], image: [image] }, '--app must be a Kubernetes name'],
    [{ app: ['a'], image: ['no tag here'] }, '--image must be registry/name:tag'],
    [{ app: ['a'], image: ['ghcr.io/acme/a'] }, '--image must be registry/name:tag'],
    [{ app: ['a'], image: ['ghcr.io/acme/a:latest'] }, '"latest" is not a release'],
    [{ app: ['a', 'a'], image: [image, image] }, '--app a is given twice'],
    [{ app: ['a'], image: [image], container: ['x', 'y'] }, 'give --container for every --app, or for none'],
    [{ app: ['a'], image: [image], namespace: 'Prod!' }, '--namespace must be a Kubernetes name'],
    [{ app: ['a'], image: [image], timeout: 'soon' }, '--timeout must be a duration'],
    [{ app: ['a'], image: ['ghcr.io/acme/a:1;rm -rf /'] }, '--image must be registry/name:tag'],
  ])('refuses %j: %s', (values, message) => {
    expect(() => deployOptions(values)).toThrow(message);
  });
});

describe('runbook', () => {
  it('is argument lists with the global flags first, never a shell string', () => {
    const options = deployOptions({ app: ['text-tools'], image: [image], namespace: 'prod', context: 'eu', kubeconfig: '/k', timeout: '2m' });
    expect(kubectlFlags(options)).toEqual(['--kubeconfig', '/k', '--context', 'eu', '--namespace', 'prod']);
    const steps = runbook(options.releases[0]!, options);
    expect(steps.setImage).toEqual([...kubectlFlags(options), 'set', 'image', 'deployment/text-tools', `text-tools=${image}`]);
    expect(steps.waitForRollout.slice(-3)).toEqual(['status', 'deployment/text-tools', '--timeout=120s']);
    expect(steps.undo.slice(-3)).toEqual(['rollout', 'undo', 'deployment/text-tools']);
    expect(steps.pods('app=x')).toEqual([...kubectlFlags(options), 'get', 'pods', '-l', 'app=x', '-o', 'json']);
  });
});
