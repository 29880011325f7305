import { scriptsProjectConfig } from '../../vitest.preset.ts';

export default scriptsProjectConfig();
