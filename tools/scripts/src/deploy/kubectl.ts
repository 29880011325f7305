import { execFile } from 'node:child_process';
import type { Kubectl } from './rollout';

/**
 * The real kubectl, asynchronously (so a kube-fake in the same process keeps answering), with an argument list
 * and never a shell: nothing the user typed is interpreted. `input` goes to its stdin (`create -f -`); `signal`
 * stops it (a wait that Ctrl-C ends).
 */
export const kubectl: Kubectl = (args, input, signal) =>
  new Promise((resolve) => {
    const child = execFile('kubectl', args, { encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 64 * 1024 * 1024, signal }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr: stderr || (error && typeof error.code !== 'number' ? error.message : '') }),
    );
    child.stdin?.end(input ?? '');
  });
