export { createTestClient, type ProtocolEra, type TestClient } from './test-client';
export {
  startServerProcess,
  workspaceRoot,
  type Exit,
  type LogLine,
  type ServerProcess,
  type ServerProcessOptions,
} from './server-process';
export { createTestMiddleware, type TestMiddleware } from './test-middleware';
