// What a reader of the README and docs/ follows: links, headings, the workspace paths and the commands they show.

/** The text outside fenced code blocks (prose and inline code), and the fenced code apart. */
function split(markdown: string): { prose: string; code: string } {
  const prose: string[] = [];
  const code: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    else (fenced ? code : prose).push(line);
  }
  return { prose: prose.join('\n'), code: code.join('\n') };
}

/** The targets of its links, but those to other sites: `file.md`, `file.md#heading`, `#heading`. */
export const linksOf = (markdown: string): string[] =>
  [...split(markdown).prose.matchAll(/\[[^\]]+\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/.test(target));

/** Its headings' anchors as GitHub makes them: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of split(markdown).prose.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = heading!
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9 _-]/g, '')
      .replace(/ /g, '-');
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

const TOP = /^(?:apps|libs|tools|deploy|docs|\.github|\.ci|\.devcontainer)\//;
// MCP methods, which look like paths under tools/.
const METHOD = /^(?:tools|resources|prompts)\/(?:call|list|read|get|templates\/list)$/;
// Made by a build or a run, not committed: a reader finds them after running what the docs say.
const MADE = /(?:^|\/)(?:dist|coverage|node_modules|\.nx|cdk\.out)(?:\/|$)/;

/**
 * The workspace paths it names in code (inline or fenced), up to the first placeholder or pattern: `apps/<app>/x`
 * names apps/, `tools/*-e2e` names tools/. Paths a build or run makes (dist/, coverage/, .nx/) and MCP methods
 * (tools/call) are left out. A `deploy/…` path may be the root's or an app's (apps/<app>/deploy/…).
 */
export function pathsOf(markdown: string): string[] {
  const { prose, code } = split(markdown);
  const spans = [...[...prose.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!), code];
  const paths = spans
    .flatMap((span) => span.split(/[\s"'()=,;]+/))
    .filter((token) => TOP.test(token) && !MADE.test(token) && !METHOD.test(token))
    .map((token) => token.replace(/[<*{…$[].*$/, '').replace(/[.:/]+$/, ''));
  return [...new Set(paths)].sort();
}

export interface Command {
  kind: 'npm' | 'bin' | 'nx';
  /** The npm script, the tool's command, or the Nx project. */
  name: string;
  /** The Nx target. */
  target?: string;
  /** The flags it is given (for an npm script, those after `--`). */
  flags: string[];
}

const flagsIn = (rest: string): string[] =>
  [...rest.split(/[`#;|&)\n]/)[0]!.matchAll(/(?<![\w-])(--[a-z][\w-]*)/g)].map((match) => match[1]!);

/** The commands it shows: `npm run x -- --flag`, `npm start -- --flag`, `npx mcp-fleet-x --flag`, `nx run project:target`. */
export function commandsOf(markdown: string): Command[] {
  const commands: Command[] = [];
  // The rest of the line is looked at, not taken: a line may show several commands.
  for (const match of markdown.matchAll(/npm (?:run ([\w:.-]+)|(start))(?=([^\n]*))/g)) {
    const rest = match[3]!;
    const afterDashes = /^\s+--(\s|$)/.test(rest) ? rest.replace(/^\s+--/, '') : '';
    commands.push({ kind: 'npm', name: match[1] ?? match[2]!, flags: flagsIn(afterDashes) });
  }
  for (const match of markdown.matchAll(/npx (mcp-fleet-[\w-]+)(?=([^\n]*))/g))
    commands.push({ kind: 'bin', name: match[1]!, flags: flagsIn(match[2]!) });
  for (const match of markdown.matchAll(/nx run ([\w<>-]+):([\w-]+)/g))
    commands.push({ kind: 'nx', name: match[1]!, target: match[2]!, flags: [] });
  return commands;
}
