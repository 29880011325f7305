import { projectConfig } from '@mcp-fleet/vitest-preset';

// The fixtures run only inside the server process the suite talks to: c8 gates that coverage after the run.
// The newest conformance suite needs Node 22+: its test (*.node22.test.ts) runs where the Node is new enough, as
// in .ci/run's Node 24 tier and CI's Node 24 shards, and is left out on the Node 20 floor.
const nodeMajor = Number(process.versions.node.split('.')[0]);
export default projectConfig({
  exclude: ['src/server.ts', 'src/fixtures.ts', 'src/suite.ts'],
  testExclude: nodeMajor < 22 ? ['src/**/*.node22.test.ts'] : [],
});
