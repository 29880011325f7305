import { spawn, type ChildProcess } from 'node:child_process';
import type { Kubectl } from './rollout';

/** kubectl processes still running, stopped if this process exits first. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** How many times a kubectl struck by a signal meant for deploy's own group is started again. */
const RESTARTS = 2;

/**
 * The real kubectl, asynchronously (so a kube-fake in the same process keeps answering), with an argument list
 * and never a shell: nothing the user typed is interpreted. `input` goes to its stdin (`create -f -`); `signal`
 * stops it (a wait that Ctrl-C ends). Each runs in a process group of its own, out of reach of a Ctrl-C to the
 * terminal's group: deploy.ts alone decides what a signal stops, and the cleanup it starts is never cut short.
 */
export const kubectl: Kubectl = async (args, input, signal) => {
  for (let restarts = 0; ; restarts++) {
    const { struckFromOutside, ...result } = await runOnce(args, input, signal);
    // A group signal that lands between fork and setsid still reaches the child: killed before kubectl ran
    // anything, so it is started again; a signal this process sent (an abort, the timeout) is final.
    if (!struckFromOutside || restarts === RESTARTS) return result;
  }
};

function runOnce(args: string[], input: string | undefined, signal: AbortSignal | undefined) {
  return new Promise<Awaited<ReturnType<Kubectl>> & { struckFromOutside: boolean }>((resolve) => {
    const child = spawn('kubectl', args, { signal, detached: true, timeout: 30 * 60_000, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    let failure: Error | undefined;
    child.once('error', (error) => (failure = error));
    child.once('close', (code, killedBy) => {
      running.delete(child);
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: stderr || (failure && code !== 0 ? failure.message : killedBy ? `kubectl was killed by ${killedBy}` : ''),
        struckFromOutside: killedBy !== null && !child.killed,
      });
    });
    child.stdin!.once('error', () => undefined).end(input ?? '');
  });
}
