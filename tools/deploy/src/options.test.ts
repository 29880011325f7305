import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANARY_SETTINGS, readApp, type CanaryManifest } from '@mcp-fleet/fleet-manifest';
import { CANARY_FLAGS, deployOptions, kubectlFlags, runbook } from './options';

const image = 'ghcr.io/acme/text-tools:3f2c1a9';

describe('deployOptions', () => {
  it('defaults the canary, in fractions, and takes an empty value (an unset CI variable) as no value', () => {
    const options = deployOptions({
      app: ['a'],
      image: [image],
      strategy: 'canary',
      'canary-interval': '',
      'canary-passes': '3',
      'prometheus-url': '',
    });
    expect(options.strategy).toBe('canary');
    expect(options.releases[0]!.canary).toEqual({
      weight: 10,
      intervalMs: 60_000,
      rules: { minRequests: 50, errorMargin: 0.01, maxErrorRatio: 0.05, maxLatencyRatio: 1.5 },
      limits: { passes: 3, maxIntervals: 6, maxFailures: 1, maxInconclusive: 6, maxErrors: 3 },
      prometheusUrl: undefined,
    });
    expect(deployOptions({ app: ['a'], image: [image] }).strategy).toBe('rolling');
  });

  it("is what docs/deploy.md's table of canary settings says", () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'deploy.md'), 'utf8');
    for (const [flag, key] of CANARY_FLAGS) {
      expect(readme).toContain(`| \`--${flag}\` | \`${key}\` | ${CANARY_SETTINGS[key].default ?? '–'} | ${CANARY_SETTINGS[key].help} |`);
    }
  });

  it("accepts the canary settings of every app in this workspace (so a bad one fails here, not in production's deploy)", () => {
    const apps = join(import.meta.dirname, '..', '..', '..', 'apps');
    for (const app of readdirSync(apps)) {
      expect(
        () => deployOptions({ app: [app], image: [image], strategy: 'canary' }, () => readApp(join(apps, '..'), app)?.canary),
        app,
      ).not.toThrow();
    }
  });

  it("takes an app's own mcpFleet.canary under the flags (its keys are checked where the manifest is parsed)", () => {
    const settings: Record<string, CanaryManifest> = { a: { interval: 120_000, passes: 4, maxErrorPercent: 2 } };
    const options = deployOptions(
      { app: ['a', 'b'], image: [image, image], strategy: 'canary', 'canary-passes': '6' },
      (app) => settings[app],
    );
    expect(
      options.releases.map((release) => [release.canary.intervalMs, release.canary.limits.passes, release.canary.rules.maxErrorRatio]),
    ).toEqual([
      [120_000, 6, 0.02],
      [60_000, 6, 0.05],
    ]);
    const refused = (canary: CanaryManifest) => () => deployOptions({ app: ['a'], image: [image] }, () => canary);
    expect(refused({ passes: 5, maxIntervals: 2 })).toThrow(
      'mcpFleet.canary.maxIntervals in apps/a/package.json 2 is fewer than mcpFleet.canary.passes in apps/a/package.json 5',
    );
  });

  it('pairs apps with images and defaults the container to the app', () => {
    const options = deployOptions({
      app: ['text-tools', 'documents'],
      image: [image, 'ghcr.io/acme/documents@sha256:' + 'a'.repeat(64)],
      timeout: '90s',
    });
    expect(options.releases).toMatchObject([
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
    [{ app: ['a'], image: [image], strategy: 'bluegreen' }, '--strategy must be rolling or canary, got "bluegreen"'],
    [
      { app: ['a'], image: [image], 'canary-weight-percent': '10' },
      '--canary-weight-percent applies to --strategy canary only; add --strategy canary or drop it',
    ],
    [
      { app: ['a'], image: [image], strategy: 'canary', 'canary-weight-percent': '60' },
      '--canary-weight-percent is "60": must be a whole number from 1 to 50 (percent of pods on the new image (by replica count; at least one pod))',
    ],
    [
      { app: ['a'], image: [image], strategy: 'canary', 'canary-weight-percent': '2.5' },
      '--canary-weight-percent is "2.5": must be a whole number',
    ],
    [
      { app: ['a'], image: [image], strategy: 'canary', 'canary-max-error-percent': '0.05' },
      '--canary-max-error-percent is "0.05": reads as a fraction; keys ending in Percent are percentages: write 5 for 5%',
    ],
    [
      { app: ['a'], image: [image], strategy: 'canary', 'canary-interval': '2h' },
      '--canary-interval is "2h": must be a duration such as "30s" or "2m", from 1s to 60m',
    ],
    [{ app: ['a'], image: [image], strategy: 'canary', 'canary-interval': 'often' }, '--canary-interval is "often": must be a duration'],
    [
      { app: ['a'], image: [image], strategy: 'canary', 'canary-passes': 'five' },
      '--canary-passes is "five": must be a whole number from 1 to 100',
    ],
    [
      { app: ['a'], image: [image], strategy: 'canary', 'canary-passes': '5', 'canary-max-intervals': '3' },
      '--canary-max-intervals 3 is fewer than --canary-passes 5: the canary could never be promoted; raise it to 5 or more',
    ],
    [{ app: ['a'], image: [image], strategy: 'canary', 'prometheus-url': 'prometheus:9090' }, '--prometheus-url must be an http(s) URL'],
  ])('refuses %j: %s', (values, message) => {
    expect(() => deployOptions(values)).toThrow(message);
  });
});

describe('runbook', () => {
  it('is argument lists with the global flags first, never a shell string', () => {
    const options = deployOptions({
      app: ['text-tools'],
      image: [image],
      namespace: 'prod',
      context: 'eu',
      kubeconfig: '/k',
      timeout: '2m',
    });
    expect(kubectlFlags(options)).toEqual(['--kubeconfig', '/k', '--context', 'eu', '--namespace', 'prod']);
    const steps = runbook(options.releases[0]!, options);
    expect(steps.setImage).toEqual([...kubectlFlags(options), 'set', 'image', 'deployment/text-tools', `text-tools=${image}`]);
    expect(steps.waitForRollout.slice(-3)).toEqual(['status', 'deployment/text-tools', '--timeout=120s']);
    expect(steps.undo().slice(-3)).toEqual(['rollout', 'undo', 'deployment/text-tools']);
    expect(steps.undo('4').slice(-2)).toEqual(['deployment/text-tools', '--to-revision=4']);
    expect(steps.pods('app=x')).toEqual([...kubectlFlags(options), 'get', 'pods', '-l', 'app=x', '-o', 'json']);
  });
});
