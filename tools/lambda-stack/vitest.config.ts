import { projectConfig } from '@mcp-fleet/vitest-preset';

// The two entry scripts are tested as processes (cli.test.ts), as a person and the CDK CLI run them.
export default projectConfig({ exclude: ['src/synth.ts', 'src/cdk-app.ts'] });
