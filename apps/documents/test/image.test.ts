// This app's image, without Docker: its run-time install is exactly what the bundle imports reach, and it passes
// the image smoke test as a production process, on a PostgreSQL database of its own.
import { describeImage } from '@mcp-fleet/testing/image';
import { afterAll } from 'vitest';
import { testDatabases } from './support/databases';

const postgres = testDatabases().find((database) => database.name === 'postgres');
afterAll(async () => {
  await postgres?.drop();
});

describeImage('documents', { databaseUrl: postgres && (() => postgres.url()) });
