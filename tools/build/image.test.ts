import { runScript } from '@mcp-fleet/cli-kit/testing';
import { describe, expect, it } from 'vitest';

const image = (args: string[], env: Record<string, string> = {}) => runScript(import.meta.dirname, 'image.ts', args, { env });

describe('image', () => {
  it('names the image <registry>/<app>:<git sha> and prints the buildx command on --dry-run', async () => {
    const result = await image(['--app', 'text-tools', '--registry', 'ghcr.io/acme/fleet', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^would run: docker buildx build --file deploy\/Dockerfile --build-arg APP=text-tools --tag ghcr\.io\/acme\/fleet\/text-tools:[0-9a-f]{12} --load \.$/m,
    );
  });

  it('gives npm its config as the BuildKit secret npmrc, never a build argument, and refuses a missing file', async () => {
    const result = await image(['--app', 'text-tools', '--tag', 'abc123', '--npmrc', 'package.json', '--dry-run']);
    expect(result.stdout).toContain(
      '--build-arg APP=text-tools --tag registry.example.com/mcp-fleet/text-tools:abc123 --secret id=npmrc,src=package.json --load .',
    );
    expect(await image(['--app', 'text-tools', '--tag', 'abc123', '--npmrc', '/nonexistent/.npmrc', '--dry-run'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('image: --npmrc /nonexistent/.npmrc does not exist'),
    });
  });

  it('says there is no Docker daemon and exits 1, building nothing', async () => {
    const result = await image(['--app', 'text-tools', '--tag', 'abc123'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('image: no Docker daemon is reachable');
    expect(result.stderr).toContain('nothing was built');
  });

  it('refuses a missing app or a latest tag with exit 2', async () => {
    const [missing, latest, none] = await Promise.all([
      image(['--app', 'nope']),
      image(['--app', 'text-tools', '--tag', 'latest']),
      image([]),
    ]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('apps/nope/package.json does not exist') });
    expect(latest).toMatchObject({ code: 2, stderr: expect.stringContaining('not "latest"') });
    expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('give --app NAME') });
  });
});
