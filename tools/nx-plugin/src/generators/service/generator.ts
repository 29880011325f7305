import { join } from 'node:path';
import {
  formatFiles,
  generateFiles,
  getProjects,
  installPackagesTask,
  readJson,
  writeJson,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { appPackages, type AppPackage } from '../app-packages';
import { writeMonitoring } from '../monitoring/generator';
import { writeServerJson } from '../registry/generator';
import type { ServiceGeneratorSchema } from './schema';

/** A Kubernetes Service name (RFC 1035 label): the app's name becomes the Deployment, Service and Ingress names. */
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const FIRST_PORT = 3001;

export interface NormalizedService {
  name: string;
  auth: 'none' | 'jwt';
  database: 'none' | 'postgres';
  target: 'kubernetes' | 'lambda' | 'both';
  port: number;
  root: string;
  /** The fleet's environments (deploy/environments/*): one overlay each. */
  environments: string[];
}

/** Checks every option before anything is written, so a bad one leaves the workspace as it was. */
export function normalizeOptions(tree: Tree, options: ServiceGeneratorSchema): NormalizedService {
  const name = options.name?.trim() ?? '';
  if (!DNS_LABEL.test(name)) {
    throw new Error(
      `service: the name must be a DNS label (it becomes the Kubernetes name): lowercase letters, digits and dashes, starting with a letter, at most 63 characters; got "${name}"`,
    );
  }
  if (tree.exists(`apps/${name}`)) throw new Error(`service: apps/${name} already exists; pick another name`);
  if (getProjects(tree).has(name))
    throw new Error(`service: a project named "${name}" exists already (${getProjects(tree).get(name)!.root}); pick another name`);
  const auth = options.auth ?? 'none';
  if (auth !== 'none' && auth !== 'jwt') throw new Error(`service: --auth must be none or jwt, got "${auth}"`);
  const database = options.database ?? 'none';
  if (database !== 'none' && database !== 'postgres') throw new Error(`service: --database must be none or postgres, got "${database}"`);
  const target = options.target ?? 'kubernetes';
  if (!['kubernetes', 'lambda', 'both'].includes(target))
    throw new Error(`service: --target must be kubernetes, lambda or both, got "${target}"`);

  const taken = new Map(appPackages(tree).flatMap(({ app, checked }) => (checked?.fleet ? [[checked.fleet.port, app] as const] : [])));
  const port = options.port ?? Math.max(FIRST_PORT - 1, ...taken.keys()) + 1;
  if (!Number.isInteger(port) || port < 1024 || port > 65535)
    throw new Error(`service: --port must be a whole number from 1024 to 65535, got ${options.port}`);
  if (taken.has(port))
    throw new Error(
      `service: port ${port} is ${taken.get(port)}'s (apps/${taken.get(port)}/package.json mcpFleet.port); pick another, or leave --port out for the next free one`,
    );
  const environments = tree.children('deploy/environments');
  if (environments.length === 0)
    throw new Error('service: deploy/environments/ has no environment to write overlays for; is this the mcp-fleet workspace?');
  return { name, auth, database, target, port, root: `apps/${name}`, environments };
}

/**
 * The versions this workspace already uses for a package, so a new app never brings a second version of the SDK,
 * zod or anything else: taken from the workspace's packages (libs first), else the root's devDependencies.
 */
function workspaceVersion(tree: Tree, dependency: string): string {
  const manifests = ['libs', 'apps', 'tools'].flatMap((group) => tree.children(group).map((name) => `${group}/${name}/package.json`));
  for (const file of [...manifests.filter((file) => tree.exists(file)), 'package.json']) {
    const manifest = readJson<AppPackage>(tree, file);
    const version = manifest.dependencies?.[dependency] ?? manifest.devDependencies?.[dependency];
    if (version) return version;
  }
  throw new Error(`service: no package of this workspace depends on ${dependency}, so there is no version to use`);
}

/** Where an app ships, as its package.json says it: `mcpFleet.lambda` (its function's settings), `kubernetes: false`. */
function shipping(service: NormalizedService): Record<string, unknown> {
  if (service.target === 'kubernetes') return {};
  // The function reads its secrets from AWS Secrets Manager by these names (README: "Ship it as a function").
  const secrets = {
    ...(service.database === 'postgres' ? { DATABASE_URL: `mcp-fleet/${service.name}/database-url` } : {}),
    ...(service.auth === 'jwt' ? { AUTH__SECRET: `mcp-fleet/${service.name}/auth-secret` } : {}),
  };
  return { ...(service.target === 'lambda' ? { kubernetes: false } : {}), lambda: Object.keys(secrets).length > 0 ? { secrets } : {} };
}

function writePackageJson(tree: Tree, service: NormalizedService): void {
  const postgres = service.database === 'postgres';
  const pick = (names: string[]) =>
    Object.fromEntries(
      names.map((dependency) => [dependency, dependency.startsWith('@mcp-fleet/') ? '*' : workspaceVersion(tree, dependency)]),
    );
  writeJson(tree, `${service.root}/package.json`, {
    name: service.name,
    version: '0.1.0',
    private: true,
    description: `${service.name}: an MCP service of the fleet (auth: ${service.auth}, database: ${service.database}, target: ${service.target}).`,
    type: 'module',
    dependencies: pick([
      '@mcp-fleet/middleware',
      '@mcp-fleet/runtime',
      ...(postgres ? ['@mcp-fleet/storage'] : []),
      '@modelcontextprotocol/server',
      'zod',
    ]),
    devDependencies: pick(['@mcp-fleet/testing', '@modelcontextprotocol/client', '@modelcontextprotocol/sdk']),
    mcpFleet: {
      port: service.port,
      ...(service.auth === 'jwt' ? { auth: 'oauth' } : {}),
      loadCall: { tool: 'greet', arguments: { name: 'load test' } },
      ...shipping(service),
    },
  });
}

/** One overlay per environment of the fleet (deploy/environments/*): the app's base plus that environment's component. */
function writeOverlays(tree: Tree, service: NormalizedService): void {
  for (const environment of service.environments) {
    tree.write(
      `${service.root}/deploy/overlays/${environment}/kustomization.yaml`,
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources: [../../base]',
        `components: [../../../../../deploy/environments/${environment}]`,
        '',
      ].join('\n'),
    );
  }
}

/** `nx g @mcp-fleet/nx-plugin:service <name> [--auth none|jwt] [--database none|postgres] [--target kubernetes|lambda|both] [--port N]` */
export default async function serviceGenerator(tree: Tree, options: ServiceGeneratorSchema): Promise<GeneratorCallback> {
  const service = normalizeOptions(tree, options);
  const kubernetes = service.target !== 'lambda';
  const lambda = service.target !== 'kubernetes';
  const substitutions = {
    ...service,
    jwt: service.auth === 'jwt',
    postgres: service.database === 'postgres',
    kubernetes,
    lambda,
    tmpl: '',
  };
  generateFiles(tree, join(__dirname, 'files', 'common'), service.root, substitutions);
  if (substitutions.postgres) generateFiles(tree, join(__dirname, 'files', 'postgres'), service.root, substitutions);
  if (lambda) generateFiles(tree, join(__dirname, 'files', 'lambda'), service.root, substitutions);
  writePackageJson(tree, service);
  if (kubernetes) {
    generateFiles(tree, join(__dirname, 'files', 'kubernetes'), service.root, substitutions);
    writeOverlays(tree, service);
    writeMonitoring(tree, [service.name]);
    writeServerJson(tree, [service.name]);
  }
  await formatFiles(tree);
  // npm install links the new workspace and records it in package-lock.json, so `npm ci` keeps working.
  return () => {
    if (!options.skipInstall) installPackagesTask(tree, true);
  };
}
