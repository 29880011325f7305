import { prepareTestTemplate } from '@mcp-fleet/storage/testing';
import { SCHEMA } from '../src/store/migrations';

/** Makes PGlite's template once, before the test files that start from it run side by side and race to make it. */
export default async (): Promise<void> => {
  await prepareTestTemplate(SCHEMA);
};
