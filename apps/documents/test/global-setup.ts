import { prepareTemplate } from '../src/store/pglite';
import { pgliteTemplateDir } from './support/databases';

/** Makes PGlite's template once, before the test files that start from it run side by side and race to make it. */
export default async function setup(): Promise<void> {
  await prepareTemplate(pgliteTemplateDir);
}
