import { spawn, type ChildProcess } from 'node:child_process';
import type { Kubectl } from './rollout';

/** kubectl processes still running, stopped if this process exits first. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The real kubectl, asynchronously (so a kube-fake in the same process keeps answering), with an argument list
 * and never a shell: nothing the user typed is interpreted. `input` goes to its stdin (`create -f -`); `signal`
 * stops it (a wait that Ctrl-C ends). Each runs in a process group of its own, out of reach of a Ctrl-C to the
 * terminal's group: deploy.ts alone decides what a signal stops, and the cleanup it starts is never cut short.
 */
export const kubectl: Kubectl = (args, input, signal) =>
  new Promise((resolve) => {
    const child = spawn('kubectl', args, { signal, detached: true, timeout: 30 * 60_000, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    let failure: Error | undefined;
    child.once('error', (error) => (failure = error));
    child.once('close', (code) => {
      running.delete(child);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: stderr || (failure && code !== 0 ? failure.message : '') });
    });
    child.stdin!.once('error', () => undefined).end(input ?? '');
  });
