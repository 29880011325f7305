// Pipeline as code: projen runs this file (`npx projen`); the workflows and the files it owns are defined in
// tools/ci/src/workflows.ts, which a test compares with what is committed.
import { pathToFileURL } from 'node:url';
import { synthesize } from './tools/ci/src/workflows.ts';

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) synthesize(process.cwd());
