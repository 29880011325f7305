import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, isReady, key, type Behaviour, type K8sObject, type Traffic, type WatchEvent } from './cluster';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';

export interface KubeFake {
  /** http://127.0.0.1:<port> */
  url: string;
  /** A kubeconfig whose current context points at this fake, with `namespace` as its namespace (removed by close). */
  kubeconfig: string;
  namespace: string;
  cluster: Cluster;
  /** Every request real kubectl made: method, path and query, in order. */
  requests: { method: string; path: string; query: string; contentType?: string }[];
  script(image: string, behaviour: Behaviour): void;
  /** The traffic each ready pod of this image serves, which its /metrics (through the pod proxy) counts. */
  scriptTraffic(image: string, traffic: Traffic): void;
  addDeployment(manifest: K8sObject): K8sObject;
  addService(manifest: K8sObject): K8sObject;
  /** The pod's container restarts: its /metrics counters start again from zero, with a new process start time. */
  restartPod(name: string): void;
  lease(name: string): K8sObject | undefined;
  /**
   * Prometheus HTTP service discovery (`http_sd_configs`) of the namespace's ready pods, each scraped through the
   * API server's pod proxy, labelled as a ServiceMonitor with `podTargetLabels` labels them.
   */
  httpSdUrl: string;
  deployment(name: string): K8sObject | undefined;
  /** Resolves once the deployment's every replica is updated and available: a test waits for this, not a guess. */
  rolledOut(name: string): Promise<K8sObject>;
  close(): Promise<void>;
}

const RESOURCES = {
  deployments: {
    group: 'apps',
    kind: 'Deployment',
    shortNames: ['deploy'],
    verbs: ['create', 'delete', 'get', 'list', 'watch', 'patch', 'update'],
  },
  replicasets: { group: 'apps', kind: 'ReplicaSet', shortNames: ['rs'], verbs: ['get', 'list', 'watch'] },
  pods: { group: '', kind: 'Pod', shortNames: ['po'], verbs: ['get', 'list', 'watch'] },
  events: { group: '', kind: 'Event', shortNames: ['ev'], verbs: ['get', 'list', 'watch'] },
  services: { group: '', kind: 'Service', shortNames: ['svc'], verbs: ['get', 'list'] },
} as const;
type Resource = keyof typeof RESOURCES;

export interface KubeFakeOptions {
  namespace?: string;
  /** How often the controller passes over the objects, in real milliseconds (default 50). */
  tickMs?: number;
  /**
   * How many times faster than real time the cluster's clock runs (default 1): at 300, a realistic
   * progressDeadlineSeconds of 600 runs out in 2 real seconds, while pods that are ready in 200 ms of cluster time
   * are ready at the next pass, so a good rollout never comes near its deadline however loaded the machine is.
   */
  clockSpeed?: number;
}

/** Starts the fake on a free loopback port, with a controller pass every `tickMs`. */
export async function startKubeFake(options: KubeFakeOptions = {}): Promise<KubeFake> {
  const namespace = options.namespace ?? 'default';
  const origin = Date.now();
  const speed = options.clockSpeed ?? 1;
  const cluster = new Cluster(() => origin + (Date.now() - origin) * speed);
  const requests: KubeFake['requests'] = [];
  const watches = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://kube-fake');
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search, contentType: req.headers['content-type'] });
    route(req, res, url).catch((error: unknown) => send(res, 500, status(500, 'InternalError', (error as Error).message)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const ticker = setInterval(() => cluster.reconcile(), options.tickMs ?? 50);
  ticker.unref();

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/$/, '');
    if (path === '/version') return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0-kube-fake', platform: 'linux/amd64' });
    if (path === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (path === '/apis') {
      const version = { groupVersion: 'apps/v1', version: 'v1' };
      return send(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [{ name: 'apps', versions: [version], preferredVersion: version }],
      });
    }
    // kubectl create asks OpenAPI v3 whether the server validates fields itself (fieldValidation on PATCH of the
    // kind); saying yes keeps it from downloading schemas for client-side validation.
    if (path === '/openapi/v3') return send(res, 200, { paths: { 'apis/apps/v1': { serverRelativeURL: '/openapi/v3/apis/apps/v1' } } });
    if (path === '/openapi/v3/apis/apps/v1') return send(res, 200, openApiAppsV1());
    if (path === '/api/v1' || path === '/apis/apps/v1') return send(res, 200, resourceList(path === '/api/v1' ? '' : 'apps'));
    // kubectl looks the namespace up after a 404, to say which of the two is missing; every namespace exists here.
    const namespace = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path)?.[1];
    if (namespace)
      return send(res, 200, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace }, status: { phase: 'Active' } });
    // The API server's pod proxy: /api/v1/namespaces/<ns>/pods/<pod>[:<port>]/proxy/<path>, here the pod's /metrics.
    const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/:]+)(?::\d+)?\/proxy(\/.*)$/.exec(path);
    if (proxy) return proxyToPod(res, proxy[1]!, proxy[2]!, proxy[3]!);
    const sd = /^\/kube-fake\/http-sd\/([^/]+)$/.exec(path)?.[1];
    if (sd) return send(res, 200, httpSd(sd));
    const lease = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(path);
    if (lease) return leases(req, res, lease[1]!, lease[2]);

    const match = /^\/(?:api\/v1|apis\/apps\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?$/.exec(path);
    const resource = match?.[2] as Resource | undefined;
    if (!match || !resource || !(resource in RESOURCES) || (RESOURCES[resource].group === 'apps') !== path.startsWith('/apis/apps')) {
      return send(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${req.method} ${path})`));
    }
    const [, ns, , name] = match;
    const store = storeOf(resource);
    if (!name && req.method === 'POST' && resource === 'deployments') {
      const manifest = JSON.parse(await readBody(req)) as K8sObject;
      if (!manifest.metadata?.name || !manifest.spec?.selector || !manifest.spec?.template) {
        return send(
          res,
          422,
          status(422, 'Invalid', 'Deployment.apps is invalid: metadata.name, spec.selector and spec.template are required'),
        );
      }
      const taken = cluster.deployments.get(key(ns!, manifest.metadata?.name));
      if (taken)
        return send(
          res,
          409,
          status(409, 'AlreadyExists', `deployments.apps "${manifest.metadata.name}" already exists`, {
            name: manifest.metadata.name,
            group: 'apps',
            kind: 'deployments',
          }),
        );
      if (url.searchParams.get('dryRun') === 'All') return send(res, 201, manifest);
      return send(res, 201, cluster.addDeployment({ ...manifest, metadata: { ...manifest.metadata, namespace: ns } }));
    }
    if (!name) {
      if (req.method !== 'GET')
        return send(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not supported on ${resource} by kube-fake`));
      const items = [...store()].filter((item) => item.metadata.namespace === ns && selects(url.searchParams, item));
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') return watch(res, url, resource, ns!, items);
      return send(res, 200, {
        apiVersion: RESOURCES[resource].group ? 'apps/v1' : 'v1',
        kind: `${RESOURCES[resource].kind}List`,
        metadata: { resourceVersion: cluster.resourceVersion },
        items,
      });
    }
    const found = [...store()].find((item) => item.metadata.namespace === ns && item.metadata.name === name);
    if (!found)
      return send(
        res,
        404,
        status(404, 'NotFound', `${resource}${RESOURCES[resource].group ? `.${RESOURCES[resource].group}` : ''} "${name}" not found`, {
          name,
          kind: resource,
        }),
      );
    if (req.method === 'GET') return send(res, 200, found);
    if (resource === 'deployments' && req.method === 'DELETE') {
      const refused = preconditionFailure(await readBody(req), found, `deployments.apps "${name}"`);
      if (refused) return send(res, 409, refused);
      const deleted = cluster.deleteDeployment(ns!, name!)!;
      return send(res, 200, { ...deleted, metadata: { ...deleted.metadata, deletionTimestamp: new Date().toISOString() } });
    }
    if (resource !== 'deployments' || (req.method !== 'PATCH' && req.method !== 'PUT')) {
      return send(res, 405, status(405, 'MethodNotAllowed', `${req.method} ${resource} is not implemented by kube-fake`));
    }
    const body = JSON.parse(await readBody(req)) as unknown;
    const type = (req.headers['content-type'] ?? '').split(';')[0];
    let next: unknown;
    if (req.method === 'PUT') next = body;
    else if (type === 'application/strategic-merge-patch+json') next = strategicMergePatch(found, body);
    else if (type === 'application/merge-patch+json') next = mergePatch(found, body);
    else if (type === 'application/json-patch+json') next = jsonPatch(found, body as never);
    else return send(res, 415, status(415, 'UnsupportedMediaType', `kube-fake does not implement ${type} patches`));
    if (url.searchParams.get('dryRun') === 'All') return send(res, 200, next);
    return send(res, 200, cluster.updateDeployment(ns!, name!, next as K8sObject));
  }

  /** Leases (coordination.k8s.io/v1): create, get, list, replace only at the current resourceVersion, delete with preconditions. */
  async function leases(req: IncomingMessage, res: ServerResponse, ns: string, name: string | undefined): Promise<void> {
    const what = (leaseName: string | undefined) => `leases.coordination.k8s.io "${leaseName}"`;
    const details = (leaseName: string | undefined) => ({ name: leaseName, group: 'coordination.k8s.io', kind: 'leases' });
    if (!name) {
      if (req.method === 'GET')
        return send(res, 200, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'LeaseList',
          metadata: { resourceVersion: cluster.resourceVersion },
          items: [...cluster.leases.values()].filter((item) => item.metadata.namespace === ns),
        });
      if (req.method !== 'POST')
        return send(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not supported on leases by kube-fake`));
      const lease = JSON.parse(await readBody(req)) as K8sObject;
      const leaseName = lease.metadata?.name;
      if (!leaseName) return send(res, 422, status(422, 'Invalid', 'Lease.coordination.k8s.io is invalid: metadata.name is required'));
      if (cluster.leases.has(key(ns, leaseName)))
        return send(res, 409, status(409, 'AlreadyExists', `${what(leaseName)} already exists`, details(leaseName)));
      const metadata = { ...lease.metadata, namespace: ns, uid: randomUUID(), creationTimestamp: new Date().toISOString() };
      return send(res, 201, cluster.putLease({ ...lease, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata }));
    }
    const found = cluster.leases.get(key(ns, name));
    if (!found) return send(res, 404, status(404, 'NotFound', `${what(name)} not found`, details(name)));
    if (req.method === 'GET') return send(res, 200, found);
    if (req.method === 'PUT') {
      const next = JSON.parse(await readBody(req)) as K8sObject;
      if (next.metadata?.resourceVersion !== found.metadata.resourceVersion) {
        return send(
          res,
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${what(name)}: the object has been modified; please apply your changes to the latest version and try again`,
            details(name),
          ),
        );
      }
      return send(res, 200, cluster.putLease({ ...next, metadata: { ...next.metadata, namespace: ns, name, uid: found.metadata.uid } }));
    }
    if (req.method === 'DELETE') {
      const refused = preconditionFailure(await readBody(req), found, what(name));
      if (refused) return send(res, 409, refused);
      cluster.leases.delete(key(ns, name));
      return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: details(name) });
    }
    return send(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not supported on a lease by kube-fake`));
  }

  function storeOf(resource: Resource): () => Iterable<K8sObject> {
    if (resource === 'deployments') return () => cluster.deployments.values();
    if (resource === 'replicasets') return () => cluster.replicaSets.values();
    if (resource === 'pods') return () => cluster.pods.values();
    if (resource === 'services') return () => cluster.services.values();
    return () => cluster.events;
  }

  async function proxyToPod(res: ServerResponse, ns: string, name: string, target: string): Promise<void> {
    const pod = cluster.pods.get(key(ns, name));
    if (!pod) return send(res, 404, status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
    // A pod that is not ready still listens here; the proxy reaches it all the same, as the API server's does.
    if (target !== '/metrics') return send(res, 404, status(404, 'NotFound', `kube-fake's pods serve only /metrics, not ${target}`));
    const text = await cluster.metricsOf(pod);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  function httpSd(ns: string) {
    const ready = [...cluster.pods.values()].filter((pod) => pod.metadata.namespace === ns && isReady(pod));
    return ready.map((pod) => ({
      targets: [`127.0.0.1:${port}`],
      labels: {
        __metrics_path__: `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/proxy/metrics`,
        namespace: ns,
        pod: pod.metadata.name,
        ...Object.fromEntries(
          Object.entries(pod.metadata.labels ?? {}).map(([label, value]) => [label.replace(/[^a-zA-Z0-9_]/g, '_'), value]),
        ),
      },
    }));
  }

  /** A watch: the state now if newer than what the client has, then every change, one JSON event a line. */
  function watch(res: ServerResponse, url: URL, resource: Resource, ns: string, items: K8sObject[]): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Headers go out at once: a watch with nothing to say yet must still be open, or kubectl waits forever.
    res.flushHeaders();
    const since = Number(url.searchParams.get('resourceVersion') ?? 0);
    const write = (event: WatchEvent) => res.write(`${JSON.stringify(event)}\n`);
    for (const item of items) if (Number(item.metadata.resourceVersion) > since) write({ type: 'MODIFIED', object: item });
    const unsubscribe =
      resource === 'deployments'
        ? cluster.subscribe((event) => {
            if (event.object.metadata.namespace === ns && selects(url.searchParams, event.object)) write(event);
          })
        : () => undefined;
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? 1800);
    const timer = setTimeout(() => res.end(), timeoutSeconds * 1000);
    watches.add(res);
    res.on('close', () => {
      clearTimeout(timer);
      unsubscribe();
      watches.delete(res);
    });
  }

  const kubeconfigDir = mkdtempSync(join(tmpdir(), 'kube-fake-'));
  const kubeconfig = join(kubeconfigDir, 'config');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kube-fake', cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: 'kube-fake', user: { token: 'kube-fake' } }],
      contexts: [{ name: 'kube-fake', context: { cluster: 'kube-fake', user: 'kube-fake', namespace } }],
      'current-context': 'kube-fake',
    }),
  );

  return {
    url: `http://127.0.0.1:${port}`,
    kubeconfig,
    namespace,
    cluster,
    requests,
    script: (image, behaviour) => cluster.script(image, behaviour),
    scriptTraffic: (image, traffic) => cluster.scriptTraffic(image, traffic),
    addDeployment: (manifest) => cluster.addDeployment({ ...manifest, metadata: { namespace, ...manifest.metadata } }),
    addService: (manifest) => {
      const service = {
        ...structuredClone(manifest),
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { namespace, uid: randomUUID(), resourceVersion: cluster.resourceVersion, ...manifest.metadata },
      };
      cluster.services.set(key(service.metadata.namespace, service.metadata.name), service);
      return service;
    },
    restartPod: (name) => cluster.restartPod(namespace, name),
    lease: (name) => cluster.leases.get(key(namespace, name)),
    httpSdUrl: `http://127.0.0.1:${port}/kube-fake/http-sd/${namespace}`,
    deployment: (name) => cluster.deployments.get(key(namespace, name)),
    rolledOut: (name) =>
      new Promise((resolve) => {
        const check = () => {
          const deployment = cluster.deployments.get(key(namespace, name));
          const status = deployment?.status;
          const replicas = deployment?.spec.replicas ?? 1;
          if (!deployment || status?.updatedReplicas !== replicas || status.availableReplicas !== replicas || status.replicas !== replicas)
            return;
          unsubscribe();
          resolve(deployment);
        };
        const unsubscribe = cluster.subscribe(check);
        check();
      }),
    async close() {
      clearInterval(ticker);
      for (const res of watches) res.end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(kubeconfigDir, { recursive: true, force: true });
    },
  };
}

/** Just enough of apps/v1's OpenAPI v3 document for kubectl to see that Deployments take `fieldValidation`. */
function openApiAppsV1() {
  const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
  const parameters = [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }];
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-kube-fake' },
    paths: {
      '/apis/apps/v1/namespaces/{namespace}/deployments/{name}': {
        patch: { 'x-kubernetes-group-version-kind': gvk, parameters, responses: {} },
      },
    },
  };
}

function resourceList(group: string) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/v1` : 'v1',
    resources: Object.entries(RESOURCES)
      .filter(([, info]) => info.group === group)
      .map(([name, info]) => ({
        name,
        singularName: info.kind.toLowerCase(),
        namespaced: true,
        kind: info.kind,
        verbs: info.verbs,
        shortNames: info.shortNames,
      })),
  };
}

/** Equality-based label selectors (a=b, a!=b, a) and the field selectors kubectl uses here. */
function selects(query: URLSearchParams, item: K8sObject): boolean {
  const labels = item.metadata.labels ?? {};
  for (const term of (query.get('labelSelector') ?? '').split(',').filter(Boolean)) {
    const [name, value] = term.split(/!=|==|=/).map((part) => part.trim());
    if (term.includes('!=') ? labels[name!] === value : value === undefined ? !(name! in labels) : labels[name!] !== value) return false;
  }
  for (const term of (query.get('fieldSelector') ?? '').split(',').filter(Boolean)) {
    const [field, value] = term.split(/==|=/);
    const actual = field!.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], item);
    if (actual !== value) return false;
  }
  return true;
}

/**
 * The 409 a DELETE's DeleteOptions preconditions (uid, resourceVersion) earn when the object is not the one they
 * name, as the API server words it; undefined when they hold or there are none.
 */
function preconditionFailure(body: string, object: K8sObject, what: string) {
  const preconditions =
    (body ? (JSON.parse(body) as { preconditions?: { uid?: string; resourceVersion?: string } }) : {}).preconditions ?? {};
  for (const [field, label] of [
    ['uid', 'UID'],
    ['resourceVersion', 'ResourceVersion'],
  ] as const) {
    const wanted = preconditions[field];
    if (wanted !== undefined && wanted !== object.metadata[field]) {
      return status(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${what}: Precondition failed: ${label} in precondition: ${wanted}, ${label} in object meta: ${object.metadata[field]}`,
      );
    }
  }
  return undefined;
}

function status(code: number, reason: string, message: string, details?: object) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
