import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { schemaProblems, type Manifest } from '@mcp-fleet/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { alertmanagerConfiguration, alertRouting, amtool, RECEIVERS } from './index';

// Each environment's alert routing, as prometheus-operator would hand it to Alertmanager, on the real amtool.
const root = workspaceRoot();
const scratch = mkdtempSync(join(tmpdir(), 'routing-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const environments = readdirSync(join(root, 'deploy', 'environments')).map((name) => ({
  name,
  namespace: (parse(readFileSync(join(root, 'deploy', 'environments', name, 'kustomization.yaml'), 'utf8')) as { namespace: string })
    .namespace,
}));
const secret = { 'pager-url': 'http://pager.example.com/hook', 'chat-url': 'http://chat.example.com/hook' };

/** The rendered configuration of `namespace`, written for amtool. */
function configFile(namespace: string): string {
  const file = join(scratch, `${namespace}.yml`);
  writeFileSync(file, stringify(alertmanagerConfiguration(alertRouting(), namespace, secret)));
  return file;
}

/** The receiver amtool routes an alert with `labels` to. */
const routedTo = async (file: string, labels: Record<string, string>) =>
  (await amtool(['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([key, value]) => `${key}=${value}`)]))
    .split('\n')
    .filter((line) => line && !line.startsWith('Warning'))
    .join(' ');

describe("each environment's alert routing", () => {
  it.each(environments)('$name: passes `amtool check-config` and the AlertmanagerConfig schema', async ({ namespace }) => {
    expect(await amtool(['check-config', configFile(namespace)])).toMatch(/SUCCESS[\s\S]*1 inhibit rules[\s\S]*3 receivers/);
    expect(schemaProblems([alertRouting() as Manifest])).toEqual([]);
  });

  it.each(environments)(
    '$name: pages go to the pager and tickets to chat, for any app; other namespaces to no one',
    async ({ namespace }) => {
      const file = configFile(namespace);
      const alert = { namespace, service: 'an-app-added-later', slo: 'availability' };
      const config = 'mcp-fleet-alert-routing';
      expect(await routedTo(file, { ...alert, severity: RECEIVERS.pager.severity })).toBe(`${namespace}/${config}/pager`);
      expect(await routedTo(file, { ...alert, severity: RECEIVERS.chat.severity })).toBe(`${namespace}/${config}/chat`);
      expect(await routedTo(file, { ...alert, namespace: 'elsewhere', severity: 'page' })).toBe('null');
    },
  );

  it("refuses to render without the receivers' URLs, naming the Secret's key", () => {
    expect(() => alertmanagerConfiguration(alertRouting(), 'mcp-fleet', { 'pager-url': 'http://pager.example.com/hook' })).toThrow(
      'Secret mcp-fleet-alert-receivers has no chat-url: the receiver',
    );
  });
});
