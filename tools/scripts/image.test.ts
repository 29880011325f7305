import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
// Asynchronous, so that the cases run side by side.
const image = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
    execFile(tsx, [join(import.meta.dirname, 'image.ts'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );

describe('image', () => {
  it('names the image <registry>/<app>:<git sha> and prints the buildx command on --dry-run', async () => {
    const result = await image(['--app', 'text-tools', '--registry', 'ghcr.io/acme/fleet', '--dry-run']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^would run: docker buildx build --file apps\/text-tools\/Dockerfile --tag ghcr\.io\/acme\/fleet\/text-tools:[0-9a-f]{12} --load \.$/m);
  });

  it('says there is no Docker daemon and exits 1, building nothing', async () => {
    const result = await image(['--app', 'text-tools', '--tag', 'abc123'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('image: no Docker daemon is reachable');
    expect(result.stderr).toContain('nothing was built');
  });

  it('refuses a missing app or a latest tag with exit 2', async () => {
    const [missing, latest, none] = await Promise.all([image(['--app', 'nope']), image(['--app', 'text-tools', '--tag', 'latest']), image([])]);
    expect(missing).toMatchObject({ status: 2, stderr: expect.stringContaining('apps/nope/Dockerfile does not exist') });
    expect(latest).toMatchObject({ status: 2, stderr: expect.stringContaining('not "latest"') });
    expect(none).toMatchObject({ status: 2, stderr: expect.stringContaining('give --app NAME') });
  });
});
