import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startKubeFake, type KubeFake } from './server';

let fake: KubeFake;
beforeAll(async () => {
  fake = await startKubeFake({ namespace: 'fleet', tickMs: 20 });
  fake.addDeployment({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', labels: { app: 'app', tier: 'web' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'app' } },
      template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: 'r/app:1' }] } },
    },
  });
});
afterAll(() => fake.close());

const get = async (path: string, url = fake.url) => {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

describe('kube-fake over HTTP', () => {
  it('removes the kubeconfig it wrote when it closes', async () => {
    const other = await startKubeFake();
    expect(existsSync(other.kubeconfig)).toBe(true);
    await other.close();
    expect(existsSync(dirname(other.kubeconfig))).toBe(false);
  });

  it('keeps Leases with optimistic concurrency: create once, replace at the current version, delete on preconditions', async () => {
    const base = `${fake.url}/apis/coordination.k8s.io/v1/namespaces/fleet/leases`;
    const send = async (method: string, url: string, body?: object) => {
      const response = await fetch(url, { method, body: body && JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { metadata: { resourceVersion: string }; reason?: string } };
    };
    const created = await send('POST', base, { metadata: { name: 'app-deploy' }, spec: { holderIdentity: 'a' } });
    expect(created.status).toBe(201);
    expect((await send('POST', base, { metadata: { name: 'app-deploy' } })).body.reason).toBe('AlreadyExists');
    const version = created.body.metadata.resourceVersion;
    expect((await send('PUT', `${base}/app-deploy`, { metadata: { name: 'app-deploy', resourceVersion: '1' }, spec: {} })).status).toBe(
      409,
    );
    const replaced = await send('PUT', `${base}/app-deploy`, {
      metadata: { name: 'app-deploy', resourceVersion: version },
      spec: { holderIdentity: 'b' },
    });
    expect(replaced.status).toBe(200);
    expect((await send('DELETE', `${base}/app-deploy`, { preconditions: { resourceVersion: version } })).status).toBe(409);
    expect(
      (await send('DELETE', `${base}/app-deploy`, { preconditions: { resourceVersion: replaced.body.metadata.resourceVersion } })).status,
    ).toBe(200);
    expect(fake.lease('app-deploy')).toBeUndefined();
  });

  it("restarts a pod's container: its counters start again from zero, with a new process start time", async () => {
    const pod = [...fake.cluster.pods.values()].find((p) => p.metadata.namespace === 'fleet')!;
    const proxy = `${fake.url}/api/v1/namespaces/fleet/pods/${pod.metadata.name}/proxy/metrics`;
    const started = async () => Number(/^process_start_time_seconds\{[^}]*\} (\S+)$/m.exec(await (await fetch(proxy)).text())![1]);
    const before = await started();
    fake.restartPod(pod.metadata.name);
    expect(await started()).toBeGreaterThan(before);
  });

  it('serves discovery as kubectl reads it', async () => {
    expect((await get('/api')).body.versions).toEqual(['v1']);
    expect((await get('/apis')).body.groups[0].name).toBe('apps');
    expect((await get('/apis/apps/v1')).body.resources.map((r: { name: string }) => r.name)).toEqual(['deployments', 'replicasets']);
    expect((await get('/api/v1')).body.resources.map((r: { name: string }) => r.name)).toEqual(['pods', 'events', 'services']);
    expect((await get('/api/v1/namespaces/fleet')).body).toMatchObject({ kind: 'Namespace', metadata: { name: 'fleet' } });
    expect((await get('/version')).body.gitVersion).toContain('kube-fake');
  });

  it('lists with label and field selectors', async () => {
    const list = async (query: string) => (await get(`/apis/apps/v1/namespaces/fleet/deployments?${query}`)).body.items.length;
    expect(await list('labelSelector=app%3Dapp')).toBe(1);
    expect(await list('labelSelector=app%3Dapp%2Ctier%21%3Dweb')).toBe(0);
    expect(await list('labelSelector=tier')).toBe(1);
    expect(await list('fieldSelector=metadata.name%3Dother')).toBe(0);
    expect((await get('/apis/apps/v1/namespaces/fleet/deployments')).body.kind).toBe('DeploymentList');
  });

  it('answers what it does not have with a Kubernetes Status', async () => {
    const missing = await get('/apis/apps/v1/namespaces/fleet/deployments/nope');
    expect(missing).toMatchObject({
      status: 404,
      body: { kind: 'Status', reason: 'NotFound', message: 'deployments.apps "nope" not found' },
    });
    expect((await get('/apis/batch/v1/namespaces/fleet/jobs')).status).toBe(404);
    const post = await fetch(`${fake.url}/apis/apps/v1/namespaces/fleet/deployments`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(422);
    expect((await fetch(`${fake.url}/api/v1/namespaces/fleet/pods`, { method: 'POST', body: '{}' })).status).toBe(405);
    const apply = await fetch(`${fake.url}/apis/apps/v1/namespaces/fleet/deployments/app`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: '{}',
    });
    expect(apply.status).toBe(415);
  });

  it('patches with merge patches, keeps dry runs dry, and streams changes to a watch', async () => {
    const watch = await fetch(
      `${fake.url}/apis/apps/v1/namespaces/fleet/deployments?watch=true&fieldSelector=metadata.name%3Dapp&resourceVersion=999999`,
    );
    expect(watch.status).toBe(200);
    const reader = watch.body!.getReader();
    const patch = (body: object, query = '') =>
      fetch(`${fake.url}/apis/apps/v1/namespaces/fleet/deployments/app${query}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify(body),
      });
    const dry = (await (await patch({ spec: { replicas: 3 } }, '?dryRun=All')).json()) as { spec: { replicas: number } };
    expect(dry.spec.replicas).toBe(3);
    expect(fake.deployment('app')!.spec.replicas).toBe(1);
    await patch({ spec: { replicas: 2 } });
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(JSON.parse(first.split('\n')[0]!)).toMatchObject({ type: 'MODIFIED', object: { metadata: { name: 'app' } } });
    await reader.cancel();
    expect(fake.requests.some((r) => r.method === 'PATCH' && r.contentType === 'application/merge-patch+json')).toBe(true);
  });
});

describe('what a canary needs: create, delete, Services, the pod proxy and Prometheus service discovery', () => {
  it("creates a Deployment once (409 after), serves each ready pod's scripted traffic as the runtime's /metrics, lists it for http_sd, and deletes it with its pods", async () => {
    const fast = await startKubeFake({ namespace: 'fleet', clockSpeed: 1000 });
    try {
      const manifest = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'c' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'c' } },
          template: {
            metadata: { labels: { app: 'c', 'app.kubernetes.io/track': 'canary' } },
            spec: { containers: [{ name: 'c', image: 'r/c:1' }] },
          },
        },
      };
      const create = () =>
        fetch(`${fast.url}/apis/apps/v1/namespaces/fleet/deployments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(manifest),
        });
      fast.scriptTraffic('r/c:1', { rps: 10, errorRatio: 0.5, latencySeconds: 0.3 });
      expect((await create()).status).toBe(201);
      expect(await (await create()).json()).toMatchObject({ code: 409, reason: 'AlreadyExists' });
      await fast.rolledOut('c');
      const pod = [...fast.cluster.pods.values()][0]!;

      const metrics = async () => (await fetch(`${fast.url}/api/v1/namespaces/fleet/pods/${pod.metadata.name}:8080/proxy/metrics`)).text();
      const count = (text: string, outcome: string) =>
        Number(new RegExp(`mcp_requests_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`).exec(text)?.[1]);
      const first = await metrics();
      // Counted on each read, by the cluster's clock: a later read has served more.
      const later = await vi.waitFor(
        async () => {
          const text = await metrics();
          expect(count(text, 'ok') + count(text, 'server_error')).toBeGreaterThan(count(first, 'ok') + count(first, 'server_error'));
          return text;
        },
        { timeout: 30_000 },
      );
      expect(Math.abs(count(later, 'server_error') - count(later, 'ok'))).toBeLessThanOrEqual(1);
      expect(later).toMatch(/mcp_request_duration_seconds_bucket\{le="0\.25",service="c",method="tools\/call",tool="echo"\} 0\n/);
      expect((await fetch(`${fast.url}/api/v1/namespaces/fleet/pods/nope:8080/proxy/metrics`)).status).toBe(404);

      const sd = (await (await fetch(fast.httpSdUrl)).json()) as { targets: string[]; labels: Record<string, string> }[];
      expect(sd).toEqual([
        {
          targets: [fast.url.slice('http://'.length)],
          labels: expect.objectContaining({
            __metrics_path__: `/api/v1/namespaces/fleet/pods/${pod.metadata.name}/proxy/metrics`,
            pod: pod.metadata.name,
            app_kubernetes_io_track: 'canary',
          }),
        },
      ]);

      fast.addService({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c' }, spec: { selector: { app: 'c' } } });
      expect((await get(`/api/v1/namespaces/fleet/services/c`, fast.url)).body.spec.selector).toEqual({ app: 'c' });

      expect((await fetch(`${fast.url}/apis/apps/v1/namespaces/fleet/deployments/c`, { method: 'DELETE' })).status).toBe(200);
      expect(fast.deployment('c')).toBeUndefined();
      expect(fast.cluster.pods.size + fast.cluster.replicaSets.size).toBe(0);
    } finally {
      await fast.close();
    }
  });
});

describe('kube-fake with a fast clock', () => {
  it('tells when a deployment has rolled out, and runs a realistic progress deadline out in a moment of real time', async () => {
    const fast = await startKubeFake({ clockSpeed: 10_000 });
    try {
      const manifest = (name: string, image: string) => ({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: {
          replicas: 2,
          progressDeadlineSeconds: 600,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
        },
      });
      fast.addDeployment(manifest('good', 'r/good:1'));
      expect((await fast.rolledOut('good')).status).toMatchObject({ availableReplicas: 2, updatedReplicas: 2, replicas: 2 });
      // Already rolled out: answers at once.
      expect((await fast.rolledOut('good')).metadata.name).toBe('good');

      fast.script('r/bad:1', { kind: 'never-ready' });
      fast.addDeployment(manifest('bad', 'r/bad:1'));
      const exceeded = await new Promise<string>((resolve) => {
        const unsubscribe = fast.cluster.subscribe(({ object }) => {
          const reason = object.status?.conditions?.find((condition: { type: string }) => condition.type === 'Progressing')?.reason;
          if (object.metadata.name === 'bad' && reason === 'ProgressDeadlineExceeded') {
            unsubscribe();
            resolve(reason);
          }
        });
      });
      expect(exceeded).toBe('ProgressDeadlineExceeded');
    } finally {
      await fast.close();
    }
  });
});
