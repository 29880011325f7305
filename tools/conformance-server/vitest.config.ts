import { projectConfig } from '../../vitest.preset.ts';

// The fixtures run only inside the server process the suite talks to: c8 gates that coverage after the run.
export default projectConfig({ exclude: ['src/server.ts', 'src/fixtures.ts'] });
