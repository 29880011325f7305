import type { Sql } from '@mcp-fleet/storage';
import { openTestPglite, testDatabases as storageTestDatabases, workspaceTemplateDir } from '@mcp-fleet/storage/testing';
import { SCHEMA } from '../../src/store/migrations';

/** The template folder the service uses in this workspace, so tests start PGlite as `npm start` does. */
export const pgliteTemplateDir = workspaceTemplateDir();

/** A throwaway in-memory PGlite, started from the template. */
export const openMemoryPglite = (): Promise<Sql> => openTestPglite(SCHEMA);

/**
 * PGlite always; PostgreSQL too when DATABASE_URL is set (CI sets it), each run in a database of its own. With
 * `empty`, no migration is applied yet.
 */
export const testDatabases = (options?: { empty?: boolean }) => storageTestDatabases(SCHEMA, options);
