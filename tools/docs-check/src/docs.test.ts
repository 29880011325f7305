import { describe, expect, it } from 'vitest';
import { anchorsOf, commandsOf, linksOf, pathsOf } from './docs';

const page = [
  '# Deploy',
  'See [canary](#canary-releases), [the layout](layout.md#apps), [the site](https://example.com) and `apps/<app>/deploy/base`.',
  '## Canary releases',
  '## Canary releases',
  '### One deploy at a time, and cancellation',
  '```sh',
  'npm run deploy -- --app text-tools --image r/x:1   # --not-a-flag',
  'node apps/documents/dist/main.js',
  '# not a heading',
  '[not](a-link.md)',
  '```',
  'Run `npx mcp-fleet-smoke check --app x --url u`, `npm start -- --logs`, `npm run bench` or `npx nx run text-tools:load`; see `tools/*-e2e` and `tools/dev/provision.sh`.',
].join('\n');

describe('the docs reader', () => {
  it('finds links but those to other sites or in code', () => {
    expect(linksOf(page)).toEqual(['#canary-releases', 'layout.md#apps']);
  });

  it("makes GitHub's anchors, numbering a repeated heading, and none from code", () => {
    expect([...anchorsOf(page)]).toEqual(['deploy', 'canary-releases', 'canary-releases-1', 'one-deploy-at-a-time-and-cancellation']);
  });

  it('finds workspace paths up to their first placeholder, but what a build makes', () => {
    expect(pathsOf(page + '\nMCP methods `tools/call` and `tools/list`.')).toEqual(['apps', 'tools', 'tools/dev/provision.sh']);
  });

  it('finds npm scripts, tool commands and Nx targets, each with the flags it is given', () => {
    expect(commandsOf(page)).toEqual([
      { kind: 'npm', name: 'deploy', flags: ['--app', '--image'] },
      { kind: 'npm', name: 'start', flags: ['--logs'] },
      { kind: 'npm', name: 'bench', flags: [] },
      { kind: 'bin', name: 'mcp-fleet-smoke', flags: ['--app', '--url'] },
      { kind: 'nx', name: 'text-tools', target: 'load', flags: [] },
    ]);
  });
});
