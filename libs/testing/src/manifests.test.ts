import { describe, expect, it } from 'vitest';
import { dockerfileProblems, policyProblems, schemaProblems, type Manifest } from './manifests';

const labels = { app: 'x' };
const good = (): Manifest[] => [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: {
      progressDeadlineSeconds: 120,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 35,
          securityContext: { runAsNonRoot: true },
          containers: [
            {
              name: 'x',
              image: 'r/x:1',
              resources: { requests: { cpu: '1', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
              readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
              startupProbe: { httpGet: { path: '/healthz', port: 8080 } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
              env: [
                { name: 'HTTP__TRUST_PROXY', value: '1' },
                { name: 'HTTP__ALLOWED_HOSTS', value: 'x.example.com' },
              ],
            },
          ],
        },
      },
    },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { selector: labels, ports: [{ port: 80 }] } },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'x' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'x' },
    spec: { minAvailable: 1, selector: { matchLabels: labels } },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'x' },
    spec: {
      tls: [{ hosts: ['x.example.com'] }],
      rules: [
        {
          host: 'x.example.com',
          http: { paths: [{ path: '/mcp', pathType: 'Exact', backend: { service: { name: 'x', port: { number: 80 } } } }] },
        },
      ],
    },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'x' },
    spec: {
      podSelector: { matchLabels: labels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] }],
    },
  },
];
const drain = { graceMs: 25_000, drainDelayMs: 5_000 };

describe('policyProblems', () => {
  it('passes manifests that keep every rule', () => {
    expect(schemaProblems(good())).toEqual([]);
    expect(policyProblems(good(), drain)).toEqual([]);
  });

  it('names every rule a manifest breaks', () => {
    const broken = good();
    const deployment = broken[0]!.spec;
    deployment.strategy.rollingUpdate.maxUnavailable = 1;
    delete deployment.progressDeadlineSeconds;
    deployment.template.spec.terminationGracePeriodSeconds = 30;
    deployment.template.spec.securityContext = {};
    const container = deployment.template.spec.containers[0];
    container.image = 'r/x:latest';
    delete container.resources.limits.memory;
    container.livenessProbe.httpGet.path = '/';
    delete container.readinessProbe;
    delete container.startupProbe;
    container.securityContext = {};
    broken[2]!.spec.maxReplicas = 50;
    delete broken[3]!.spec.selector;
    broken[4]!.spec.tls = [];
    broken[4]!.spec.rules[0].http.paths[0].backend.service.name = 'gone';
    expect(policyProblems(broken, drain)).toEqual([
      'Deployment/x: strategy must be RollingUpdate with maxSurge 1 and maxUnavailable 0',
      'Deployment/x: progressDeadlineSeconds must be set, so a stuck rollout fails',
      "Deployment/x: terminationGracePeriodSeconds (30) must exceed the runtime's drain (30 s)",
      'Deployment/x: securityContext.runAsNonRoot must be true',
      'Deployment/x container x: image r/x:latest must carry a tag or digest other than latest',
      'Deployment/x container x: resources.limits.memory must be set',
      'Deployment/x container x: livenessProbe must GET /healthz',
      'Deployment/x container x: readinessProbe must GET /readyz',
      'Deployment/x container x: startupProbe must be set',
      'Deployment/x container x: allowPrivilegeEscalation must be false',
      'Deployment/x container x: readOnlyRootFilesystem must be true',
      'HorizontalPodAutoscaler/x: must scale between 2 and at most 10 replicas at 70% CPU',
      'Deployment/x: no PodDisruptionBudget selects its pods',
      'Ingress/x: must terminate TLS',
      'Ingress/x: backend gone is no Service here',
    ]);
    expect(policyProblems(broken.slice(1), drain)).toEqual(['expected one Deployment, found 0']);
  });

  it('behind an Ingress: refuses no trust in the hop it adds, its host not allowed, and pods no NetworkPolicy guards', () => {
    const exposed = good().filter((manifest) => manifest.kind !== 'NetworkPolicy');
    exposed[0]!.spec.template.spec.containers[0].env = [{ name: 'HTTP__ALLOWED_HOSTS', value: 'other.example.com' }];
    expect(policyProblems(exposed, drain)).toEqual([
      "Deployment/x: an Ingress routes to it, but HTTP__TRUST_PROXY is unset: every caller would have the controller's address (one rate limit and one login lockout for all); set it to the hops the Ingress adds (1)",
      'Deployment/x: HTTP__ALLOWED_HOSTS (other.example.com) lacks the Ingress host x.example.com, so requests through the Ingress would be refused; copy it from the Ingress (deploy/mcp-service does)',
      'Service/x: no NetworkPolicy limits who reaches its pods, so anyone in the cluster could, and forge X-Forwarded-For',
    ]);
  });
});

describe('schemaProblems', () => {
  it('reports a field of the wrong type, and a kind it has no schema for', () => {
    const wrong = good();
    wrong[1]!.spec.ports[0].port = 'eighty';
    expect(schemaProblems(wrong)).toEqual([expect.stringMatching(/^Service\/x: .*port must be integer/)]);
    expect(schemaProblems([{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } }])).toEqual([
      'Job/j: no schema for batch/v1 Job here; add it to MODELS',
    ]);
  });
});

describe('dockerfileProblems', () => {
  const good = [
    'ARG NODE_IMAGE=node:24.11.1-bookworm-slim',
    'FROM ${NODE_IMAGE} AS build',
    'RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci',
    'FROM ${NODE_IMAGE}',
    'USER node',
    'HEALTHCHECK CMD curl -f http://127.0.0.1:${PORT}/healthz',
    'CMD ["node"]',
  ].join('\n');

  it('passes a multi-stage, pinned, non-root Dockerfile with a health check', () => {
    expect(dockerfileProblems(good)).toEqual([]);
  });

  it('names what is missing', () => {
    expect(dockerfileProblems('FROM node:latest\nADD https://example.com/x /x\nCMD ["node"]')).toEqual([
      'must be multi-stage: build in one stage, run a pruned bundle in another',
      'base image node:latest must be a pinned Node 24 slim image (node:24.x.y-…-slim)',
      'the final stage must run as a non-root USER',
      'the final stage must have a HEALTHCHECK on /healthz',
      'ADD of a URL fetches unpinned content; download in a RUN step with a checksum',
    ]);
    expect(dockerfileProblems(good.replace('USER node', 'USER root'))).toContain('the final stage must run as a non-root USER');
  });

  it('refuses npm credentials in a layer, a health check on a fixed port, and an unpinned syntax frontend', () => {
    expect(dockerfileProblems(good.replace('--mount=type=secret,id=npmrc,target=/root/.npmrc ', ''))).toEqual([
      "npm's config must come as a BuildKit secret (RUN --mount=type=secret,id=npmrc,target=/root/.npmrc …), never a layer: RUN npm ci…",
    ]);
    expect(dockerfileProblems(`${good}\nCOPY .npmrc /root/.npmrc`)).toEqual([
      'npm credentials in a COPY, ARG or ENV stay in the image; pass them as a BuildKit secret (--secret id=npmrc)',
    ]);
    expect(dockerfileProblems(good.replace('${PORT}', '8080'))).toEqual([
      'the HEALTHCHECK must probe the port the process listens on (read PORT), not a fixed one',
    ]);
    expect(dockerfileProblems(`# syntax=docker/dockerfile:1.7\n${good}`)).toEqual([
      'a # syntax= frontend is fetched at build time; pin it by digest (@sha256:…) or leave it out for the built-in one',
    ]);
    expect(dockerfileProblems(`# syntax=docker/dockerfile:1.7@sha256:${'a'.repeat(64)}\n${good}`)).toEqual([]);
  });
});
