import { projectConfig } from './src/index.js';

// Its tests check the configs it makes; the preset is JavaScript, outside the TypeScript coverage gate.
export default projectConfig({ coverage: false });
