import { projectConfig } from '@mcp-fleet/vitest-preset';

// Without DATABASE_URL the PostgreSQL half of the tests does not run (testDatabases), so the code only it reaches
// is left out of the coverage gate instead of failing it. CI (.ci/run) always sets DATABASE_URL.
export default projectConfig({ exclude: process.env.DATABASE_URL ? [] : ['src/sql.ts', 'src/event-bus.ts'] });
