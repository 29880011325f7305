import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are open-ended JSON
  spec?: any;
};

/** `kubectl kustomize <app>/deploy/overlays/<overlay>`, parsed. */
export function renderOverlay(appDir: string, overlay: string): Manifest[] {
  const yaml = execFileSync('kubectl', ['kustomize', join(appDir, 'deploy', 'overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(yaml).map((document) => document.toJSON() as Manifest);
}

const MODELS: Record<string, { validate(): void } & (new (data: never) => { validate(): void })> = {
  'apps/v1/Deployment': Deployment as never,
  'v1/Service': Service as never,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as never,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as never,
  'networking.k8s.io/v1/Ingress': Ingress as never,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as never,
  'v1/ConfigMap': ConfigMap as never,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor as never,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule as never,
  'monitoring.coreos.com/v1alpha1/AlertmanagerConfig': AlertmanagerConfig as never,
};

/** Every document checked against the Kubernetes schema of its apiVersion and kind. */
export function schemaProblems(manifests: Manifest[]): string[] {
  return manifests.flatMap((manifest) => {
    const id = `${manifest.kind}/${manifest.metadata?.name}`;
    const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
    if (!Model) return [`${id}: no schema for ${manifest.apiVersion} ${manifest.kind} here; add it to MODELS`];
    try {
      new Model(manifest as never).validate();
      return [];
    } catch (error) {
      return [`${id}: ${(error as Error).message}`];
    }
  });
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: unknown } };
const containerEnvOf = (deployment: Manifest) => (deployment.spec.template.spec.containers[0].env ?? []) as EnvVar[];

/** The variables a Deployment's first container sets to plain values (not from a Secret), by name. */
export function deploymentEnv(deployment: Manifest): Record<string, string> {
  const env = containerEnvOf(deployment);
  return Object.fromEntries(env.filter((variable) => variable.value !== undefined).map((variable) => [variable.name, variable.value!]));
}

/** The names of the variables a Deployment's first container takes from a Secret. */
export function deploymentSecretEnv(deployment: Manifest): string[] {
  return containerEnvOf(deployment)
    .filter((variable) => variable.valueFrom?.secretKeyRef)
    .map((variable) => variable.name);
}

/**
 * The fleet's rules for a service's manifests, as "Kind/name: problem" lines: probes, limits, non-root,
 * read-only root, no privilege escalation, RollingUpdate with maxSurge 1 and maxUnavailable 0, a progress
 * deadline, a grace period longer than the runtime's drain, tagged images (never latest), an HPA of 2-10 at 70%
 * CPU, a PDB and a Service that select the pods, TLS on the Ingress; behind an Ingress, trust in the one hop it
 * adds and its host allowed; a NetworkPolicy over every Service's pods.
 */
export function policyProblems(manifests: Manifest[], drain: { graceMs: number; drainDelayMs: number }): string[] {
  const problems: string[] = [];
  const of = (kind: string) => manifests.filter((manifest) => manifest.kind === kind);
  const deployments = of('Deployment');
  if (deployments.length !== 1) problems.push(`expected one Deployment, found ${deployments.length}`);
  for (const deployment of deployments) {
    const id = `Deployment/${deployment.metadata.name}`;
    const spec = deployment.spec;
    const pod = spec.template.spec;
    const podLabels: Record<string, string> = spec.template.metadata?.labels ?? {};
    const rolling = spec.strategy?.rollingUpdate;
    if (spec.strategy?.type !== 'RollingUpdate' || rolling?.maxUnavailable !== 0 || rolling?.maxSurge !== 1) {
      problems.push(`${id}: strategy must be RollingUpdate with maxSurge 1 and maxUnavailable 0`);
    }
    if (!(spec.progressDeadlineSeconds > 0)) problems.push(`${id}: progressDeadlineSeconds must be set, so a stuck rollout fails`);
    const needed = (drain.graceMs + drain.drainDelayMs) / 1000;
    if (!(pod.terminationGracePeriodSeconds > needed)) {
      problems.push(
        `${id}: terminationGracePeriodSeconds (${pod.terminationGracePeriodSeconds}) must exceed the runtime's drain (${needed} s)`,
      );
    }
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${id}: securityContext.runAsNonRoot must be true`);
    for (const container of pod.containers) {
      const where = `${id} container ${container.name}`;
      if (!/(:[\w][\w.-]*|@sha256:[a-f0-9]{64})$/.test(container.image) || /:latest$/.test(container.image)) {
        problems.push(`${where}: image ${container.image} must carry a tag or digest other than latest`);
      }
      for (const kind of ['requests', 'limits']) {
        for (const resource of ['cpu', 'memory']) {
          if (!container.resources?.[kind]?.[resource]) problems.push(`${where}: resources.${kind}.${resource} must be set`);
        }
      }
      if (container.livenessProbe?.httpGet?.path !== '/healthz') problems.push(`${where}: livenessProbe must GET /healthz`);
      if (container.readinessProbe?.httpGet?.path !== '/readyz') problems.push(`${where}: readinessProbe must GET /readyz`);
      if (!container.startupProbe) problems.push(`${where}: startupProbe must be set`);
      if (container.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
      if (container.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem must be true`);
    }
    const hpa = of('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef?.name === deployment.metadata.name);
    const cpu = hpa?.spec.metrics?.find((m: { resource?: { name: string } }) => m.resource?.name === 'cpu')?.resource.target
      .averageUtilization;
    if (!hpa) problems.push(`${id}: no HorizontalPodAutoscaler scales it`);
    else if (hpa.spec.minReplicas < 2 || hpa.spec.maxReplicas > 10 || hpa.spec.maxReplicas < hpa.spec.minReplicas || cpu !== 70) {
      problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: must scale between 2 and at most 10 replicas at 70% CPU`);
    }
    if (!of('PodDisruptionBudget').some((pdb) => selects(pdb.spec.selector?.matchLabels, podLabels)))
      problems.push(`${id}: no PodDisruptionBudget selects its pods`);
    const service = of('Service').find((s) => selects(s.spec.selector, podLabels));
    if (!service) problems.push(`${id}: no Service selects its pods`);
    const env = deploymentEnv(deployment);
    for (const ingress of of('Ingress')) {
      if (!ingress.spec.tls?.length) problems.push(`Ingress/${ingress.metadata.name}: must terminate TLS`);
      for (const rule of (ingress.spec.rules ?? []) as {
        host?: string;
        http?: { paths: { backend: { service: { name: string } } }[] };
      }[]) {
        for (const path of rule.http?.paths ?? []) {
          if (!of('Service').some((s) => s.metadata.name === path.backend.service.name))
            problems.push(`Ingress/${ingress.metadata.name}: backend ${path.backend.service.name} is no Service here`);
        }
        if (!rule.http?.paths.some((path) => path.backend.service.name === service?.metadata.name)) continue;
        if (!(Number(env.HTTP__TRUST_PROXY) >= 1)) {
          problems.push(
            `${id}: an Ingress routes to it, but HTTP__TRUST_PROXY is ${env.HTTP__TRUST_PROXY ?? 'unset'}: every caller would have the controller's address (one rate limit and one login lockout for all); set it to the hops the Ingress adds (1)`,
          );
        }
        const hosts = (env.HTTP__ALLOWED_HOSTS ?? '').split(',').map((host) => host.trim());
        if (rule.host && !hosts.includes(rule.host) && !hosts.includes('*')) {
          problems.push(
            `${id}: HTTP__ALLOWED_HOSTS (${env.HTTP__ALLOWED_HOSTS ?? 'unset'}) lacks the Ingress host ${rule.host}, so requests through the Ingress would be refused; copy it from the Ingress (deploy/mcp-service does)`,
          );
        }
      }
    }
  }
  for (const service of of('Service')) {
    const pods = deployments
      .map((deployment) => deployment.spec.template.metadata?.labels ?? {})
      .filter((labels) => selects(service.spec.selector, labels));
    const guarded = pods.every((labels) =>
      of('NetworkPolicy').some(
        (policy) => selects(policy.spec.podSelector?.matchLabels, labels) && policy.spec.policyTypes?.includes('Ingress'),
      ),
    );
    if (pods.length > 0 && !guarded)
      problems.push(
        `Service/${service.metadata.name}: no NetworkPolicy limits who reaches its pods, so anyone in the cluster could, and forge X-Forwarded-For`,
      );
  }
  return problems;
}

/**
 * Rules for an app's Dockerfile: multi-stage, a pinned Node 24 base, a non-root user, a HEALTHCHECK on /healthz at
 * the port the process reads (PORT), npm's config only as a BuildKit secret, and no frontend fetched unpinned.
 */
export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const froms = [...text.matchAll(/^FROM\s+(\S+)/gim)].map((match) => match[1]!);
  const images = new Map([...text.matchAll(/^ARG\s+(\w+)=(\S+)/gim)].map((match) => [match[1]!, match[2]!]));
  const resolve = (image: string) => image.replace(/\$\{(\w+)\}/g, (_, name: string) => images.get(name) ?? '');
  if (froms.length < 2) problems.push('must be multi-stage: build in one stage, run a pruned bundle in another');
  for (const image of froms.map(resolve).filter((image) => image.startsWith('node'))) {
    if (!/^node:24\.\d+\.\d+-[\w-]*slim(@sha256:[a-f0-9]{64})?$/.test(image))
      problems.push(`base image ${image} must be a pinned Node 24 slim image (node:24.x.y-…-slim)`);
  }
  const lastStage = text.slice(text.search(new RegExp(`^FROM\\s+${froms.at(-1)!.replace(/[$.{}]/g, '\\$&')}`, 'm')));
  const user = [...lastStage.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
  if (!user || user === 'root' || user === '0') problems.push('the final stage must run as a non-root USER');
  if (!/^HEALTHCHECK\b[\s\S]*\/healthz/m.test(lastStage)) problems.push('the final stage must have a HEALTHCHECK on /healthz');
  const healthcheck = /^HEALTHCHECK\b(?:.*\\\n)*.*$/m.exec(lastStage)?.[0] ?? '';
  if (healthcheck && !/PORT/.test(healthcheck))
    problems.push('the HEALTHCHECK must probe the port the process listens on (read PORT), not a fixed one');
  if (/^#\s*syntax\s*=\s*(?![^\n]*@sha256:[a-f0-9]{64})/im.test(text))
    problems.push('a # syntax= frontend is fetched at build time; pin it by digest (@sha256:…) or leave it out for the built-in one');
  for (const run of text.match(/^RUN\b.*\bnpm\s+(ci|install)\b.*$/gm) ?? []) {
    if (!/--mount=type=secret,id=npmrc\b/.test(run))
      problems.push(
        `npm's config must come as a BuildKit secret (RUN --mount=type=secret,id=npmrc,target=/root/.npmrc …), never a layer: ${run.slice(0, 60)}…`,
      );
  }
  if (/^(COPY|ADD)\b.*\.npmrc/im.test(text) || /^(ARG|ENV)\s+NPM_TOKEN/im.test(text)) {
    problems.push('npm credentials in a COPY, ARG or ENV stay in the image; pass them as a BuildKit secret (--secret id=npmrc)');
  }
  if (/^ADD\s+https?:/im.test(text)) problems.push('ADD of a URL fetches unpinned content; download in a RUN step with a checksum');
  return problems;
}
