import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { promtoolTestFile } from './alert-tests';
import type { Objectives } from './objectives';
import { prometheusRule } from './rules';

/**
 * Runs Debian's promtool (package `prometheus`, which tools/dev/provision.sh installs) and resolves with its output;
 * rejects with its output when it fails, and says how to install it when it is missing.
 */
export const promtool = (args: string[]) => runTool('promtool', 'prometheus', args);

/** Runs Debian's amtool (package `prometheus-alertmanager`, installed the same way), as promtool. */
export const amtool = (args: string[]) => runTool('amtool', 'prometheus-alertmanager', args);

async function runTool(tool: string, debianPackage: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)(tool, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT')
      throw new Error(`${tool} is not installed: apt-get install --no-install-recommends ${debianPackage} (tools/dev/provision.sh does)`);
    throw new Error(`${tool} ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

interface RuleGroups {
  groups: { rules: { alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}

/**
 * An app's rules through `promtool check rules`, then every alert's unit tests (alert-tests.ts) through
 * `promtool test rules`; resolves with promtool's output, rejects with it on a failure. `mutate` changes the
 * rules' text first, to show that the tests catch a broken rule.
 */
export async function promtoolRuleChecks(
  app: string,
  objectives: Objectives,
  mutate: (rules: string) => string = (rules) => rules,
): Promise<string> {
  const { spec } = prometheusRule(app, objectives) as { spec: RuleGroups };
  const dir = mkdtempSync(join(tmpdir(), `promtool-${app}-`));
  try {
    writeFileSync(join(dir, 'rules.yaml'), mutate(stringify(spec, { lineWidth: 0 })));
    const annotationsOf = (alertname: string, severity: string) =>
      spec.groups.flatMap((group) => group.rules).find((rule) => rule.alert === alertname && rule.labels?.severity === severity)!
        .annotations!;
    writeFileSync(join(dir, 'tests.yaml'), stringify(promtoolTestFile(app, objectives, 'rules.yaml', annotationsOf), { lineWidth: 0 }));
    return (await promtool(['check', 'rules', join(dir, 'rules.yaml')])) + (await promtool(['test', 'rules', join(dir, 'tests.yaml')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
