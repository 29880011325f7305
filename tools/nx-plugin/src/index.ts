export { createNodesV2 } from './plugin';
export type { McpFleetPluginOptions } from './targets';
