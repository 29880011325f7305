// Writes (or with --check, compares) mcp-fleet.schema.json: the JSON Schema of an app's package.json, generated
// from the manifest's zod schema, so an editor checks mcpFleet while it is typed (.vscode/settings.json maps it).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageJsonSchema } from './src/index';

const FILE = join(import.meta.dirname, 'mcp-fleet.schema.json');
const args = process.argv.slice(2);
if (args.includes('--help') || args.some((arg) => arg !== '--check')) {
  process.stdout.write(`usage: npm run manifest-schema [-- --check]

Writes libs/fleet-manifest/mcp-fleet.schema.json from the mcpFleet schema (libs/fleet-manifest/src/index.ts).
  --check   write nothing; exit 1 when the file differs from what the schema generates\n`);
  process.exit(args.includes('--help') ? 0 : 2);
}
const text = `${JSON.stringify(packageJsonSchema(), null, 2)}\n`;
if (args.includes('--check')) {
  const same = readFileSync(FILE, 'utf8') === text;
  process.stdout.write(same ? `${FILE} is up to date\n` : `${FILE} differs from the schema; run npm run manifest-schema\n`);
  process.exit(same ? 0 : 1);
}
writeFileSync(FILE, text);
process.stdout.write(`wrote ${FILE}\n`);
