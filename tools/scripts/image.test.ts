import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const image = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(tsx, [join(import.meta.dirname, 'image.ts'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('image', () => {
  it('names the image <registry>/<app>:<git sha> and prints the buildx command on --dry-run', () => {
    const result = image(['--app', 'text-tools', '--registry', 'ghcr.io/acme/fleet', '--dry-run']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^would run: docker buildx build --file apps\/text-tools\/Dockerfile --tag ghcr\.io\/acme\/fleet\/text-tools:[0-9a-f]{12} --load \.$/m);
  });

  it('says there is no Docker daemon and exits 1, building nothing', () => {
    const result = image(['--app', 'text-tools', '--tag', 'abc123'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('image: no Docker daemon is reachable');
    expect(result.stderr).toContain('nothing was built');
  });

  it('refuses a missing app or a latest tag with exit 2', () => {
    expect(image(['--app', 'nope'])).toMatchObject({ status: 2, stderr: expect.stringContaining('apps/nope/Dockerfile does not exist') });
    expect(image(['--app', 'text-tools', '--tag', 'latest'])).toMatchObject({ status: 2, stderr: expect.stringContaining('not "latest"') });
    expect(image([])).toMatchObject({ status: 2, stderr: expect.stringContaining('give --app NAME') });
  });
});
