export {
  openDatabase,
  prepareDatabase,
  resolveDataDir,
  storageConfigShape,
  storageFunctionProblems,
  storageProductionProblems,
  type DatabaseOptions,
  type StorageConfig,
} from './database';
export { migrate, type Migration, type Schema } from './migrations';
export { openPglite, prepareTemplate, templateFile, type PgliteOptions } from './pglite';
export { openPostgres, type Sql } from './sql';
export { GAP_EVENTS, postgresEventBus, serviceEventBus, type PostgresEventBus, type PostgresEventBusOptions } from './event-bus';
