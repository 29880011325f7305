// A tool's Vitest global setup (its vitest.config.ts names this file): bundles the project's entry scripts once.
import { bundleScripts } from './scripts';

export default ({ config }: { config: { root: string } }): Promise<void> => bundleScripts(config.root);
