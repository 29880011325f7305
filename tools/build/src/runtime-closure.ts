// What an app needs at run time, exactly: the npm packages its bundle imports (the workspace libs are inlined),
// and everything those need, as package-lock.json resolves them. build-app writes it beside the bundle as a
// package.json and a package-lock.json of their own, and the image installs from those alone, so no workspace
// link and no dev tree can reach a production image.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import type { Metafile } from 'esbuild';

interface LockEntry {
  version?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

export interface Lockfile {
  name?: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** The package an import names (`pg` of `pg/lib/x`, `@scope/name` of `@scope/name/sub`); undefined for Node's own modules. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || !/^[@a-z0-9]/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The npm packages a bundle imports and does not inline, from esbuild's metafile; Node's built-ins left out. */
export function bundleImports(metafile: Metafile): string[] {
  const imports = Object.values(metafile.outputs).flatMap((output) =>
    output.imports.filter((entry) => entry.external).map((entry) => entry.path),
  );
  const builtins = new Set(builtinModules);
  return [
    ...new Set(
      imports
        .filter((path) => !builtins.has(path))
        .map(packageOf)
        .filter((name): name is string => name !== undefined),
    ),
  ].sort();
}

/** The folder `path` lives in, for Node's upward search: `node_modules/a/node_modules/b` -> `node_modules/a`; a top-level one -> the root. */
function parentOf(path: string): string {
  const at = path.lastIndexOf('/node_modules/');
  return at === -1 ? '' : path.slice(0, at);
}

/** Where Node finds `name` from the package at `from` ('' is the root): the nearest node_modules upwards, as the lockfile lays it out. */
function resolveIn(lock: Lockfile, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = parentOf(dir)) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
  }
}

/**
 * The lockfile entries an install of `roots` holds, by path: each root as it is resolved from `from` (the app's
 * folder), then every dependency, optional one and required peer of each, as Node would resolve it.
 */
export function runtimeClosure(lock: Lockfile, roots: string[], from = ''): Map<string, LockEntry> {
  const closure = new Map<string, LockEntry>();
  const visit = (fromPath: string, name: string, required: boolean, via: string) => {
    const path = resolveIn(lock, fromPath, name);
    if (!path) {
      if (required) throw new Error(`${name} (needed by ${via}) is not in package-lock.json; run npm install`);
      return;
    }
    if (closure.has(path)) return;
    const entry = lock.packages[path]!;
    if (entry.link)
      throw new Error(
        `${name} (needed by ${via}) is a workspace link (${path}); a workspace library must be bundled, not imported at run time`,
      );
    if (!/^node_modules\//.test(path))
      throw new Error(`${name} is installed under ${path}, inside a workspace folder; the image's install cannot lay it out so`);
    closure.set(path, entry);
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    for (const dependency of Object.keys(entry.dependencies ?? {})) visit(path, dependency, true, name);
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) visit(path, dependency, false, name);
    for (const dependency of Object.keys(entry.peerDependencies ?? {})) visit(path, dependency, !optionalPeers[dependency]?.optional, name);
  };
  for (const root of roots) visit(from, root, true, 'the bundle');
  return closure;
}

export interface RuntimeManifest {
  packageJson: { name: string; version: string; private: true; type: 'module'; dependencies: Record<string, string> };
  packageLock: Lockfile;
}

/** The package.json and package-lock.json that install exactly the closure of `roots`, at the versions the workspace locks. */
export function runtimeManifest(name: string, version: string, lock: Lockfile, roots: string[], from = ''): RuntimeManifest {
  const closure = runtimeClosure(lock, roots, from);
  const dependencies = Object.fromEntries(roots.map((root) => [root, closure.get(resolveIn(lock, from, root)!)!.version!]));
  const packageJson = { name: `${name}-runtime`, version, private: true as const, type: 'module' as const, dependencies };
  const packages: Record<string, LockEntry> = { '': { name: packageJson.name, version, dependencies } };
  for (const [path, entry] of [...closure].sort(([a], [b]) => a.localeCompare(b))) {
    // Nothing here is dev, whatever it was to the workspace.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
    packages[path] = kept;
  }
  return { packageJson, packageLock: { name: packageJson.name, lockfileVersion: 3, requires: true, packages } as Lockfile };
}

/**
 * The run-time manifest of the app at `appDir`, from its bundle's metafile and the workspace's package-lock.json
 * (the nearest above it): what build-app writes into dist/ and the image installs.
 */
export function appRuntimeManifest(appDir: string, metafile: Metafile): RuntimeManifest & { imports: string[] } {
  let root = appDir;
  while (!existsSync(join(root, 'package-lock.json'))) {
    if (dirname(root) === root) throw new Error(`no package-lock.json above ${appDir}; run npm install in the workspace`);
    root = dirname(root);
  }
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const manifestFile = join(appDir, 'package.json');
  const app = existsSync(manifestFile)
    ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as { name: string; version?: string })
    : { name: basename(appDir) };
  const imports = bundleImports(metafile);
  return { imports, ...runtimeManifest(app.name, app.version ?? '0.0.0', lock, imports, relative(root, appDir)) };
}
