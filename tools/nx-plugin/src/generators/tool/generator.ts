import { join } from 'node:path';
import { formatFiles, generateFiles, getProjects, names, type Tree } from '@nx/devkit';
import type { ToolGeneratorSchema } from './schema';

/** The MCP specification's tool names: 1 to 128 of A-Z a-z 0-9 _ - . */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const RETURN = '\n  return server;\n}';

/** Checks every option before anything is written, so a bad one leaves the app as it was. */
export function normalizeOptions(tree: Tree, options: ToolGeneratorSchema) {
  const toolName = options.name?.trim() ?? '';
  if (!TOOL_NAME.test(toolName))
    throw new Error(`tool: "${toolName}" is not an MCP tool name: 1 to 128 letters, digits, _, - or . (e.g. get_forecast)`);
  const project = getProjects(tree).get(options.project);
  if (!project)
    throw new Error(
      `tool: there is no project "${options.project}"; the apps are: ${[...getProjects(tree)]
        .filter(([, p]) => p.root.startsWith('apps/'))
        .map(([name]) => name)
        .join(', ')}`,
    );
  const { fileName, propertyName } = names(toolName.replace(/[_.]/g, '-'));
  const server = `${project.root}/src/server.ts`;
  const harness = `${project.root}/test/support/harness.ts`;
  if (!tree.exists(server) || !tree.read(server, 'utf8')!.includes(RETURN)) {
    throw new Error(`tool: ${server} has no createServer() ending in "return server;" to register the tool in; add it by hand there`);
  }
  if (!tree.exists(harness))
    throw new Error(
      `tool: ${harness} is missing; the tool's integration test connects through it (apps made by the service generator have one)`,
    );
  const source = tree.read(server, 'utf8')!;
  if (source.includes(`'${toolName}'`) || tree.exists(`${project.root}/src/tools/${fileName}.ts`)) {
    throw new Error(
      `tool: ${options.project} already has a tool "${toolName}" (src/tools/${fileName}.ts or its registration in src/server.ts)`,
    );
  }
  return { toolName, fileName, propertyName, root: project.root, server, source };
}

/** `nx g @mcp-fleet/nx-plugin:tool <tool_name> --project <app>` */
export default async function toolGenerator(tree: Tree, options: ToolGeneratorSchema): Promise<void> {
  const tool = normalizeOptions(tree, options);
  generateFiles(tree, join(__dirname, 'files'), tool.root, { ...tool, tmpl: '' });
  const title = tool.toolName.replace(/[_.-]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
  const registration = [
    '',
    '  server.registerTool(',
    `    '${tool.toolName}',`,
    `    { title: '${title}', description: 'Say what ${tool.toolName} does: the model reads this to choose it.', inputSchema: ${tool.propertyName}Input },`,
    `    async (input) => textResult(await ${tool.propertyName}(input)),`,
    '  );',
  ].join('\n');
  const imports = tool.source.match(/^import .*;$/gm)!;
  const lastImport = imports.at(-1)!;
  const updated = tool.source
    .replace(lastImport, `${lastImport}\nimport { ${tool.propertyName}, ${tool.propertyName}Input } from './tools/${tool.fileName}';`)
    .replace(RETURN, `${registration}\n${RETURN}`);
  tree.write(tool.server, updated);
  await formatFiles(tree);
}
