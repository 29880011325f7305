// One cold start of a function bundle, as the Lambda runtime makes it: import the handler module (its init, top-level
// await included), then invoke it. Prints one JSON line: init CPU, and CPU per invocation for each era's call.
// Usage: node lambda-driver.mjs <bundle dir> <invocations>
import { pathToFileURL } from 'node:url';

const [dir, count] = process.argv.slice(2);
const invocations = Number(count);
const before = process.cpuUsage();
const { handler } = await import(pathToFileURL(`${dir}/app/index.mjs`).href);
const init = process.cpuUsage(before);
process.stdout.write('ready\n');

const event = (headers, body) => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: '/mcp',
  rawQueryString: '',
  headers: {
    host: 'bench.lambda-url.us-east-1.on.aws',
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...headers,
  },
  requestContext: { http: { method: 'POST', path: '/mcp', sourceIp: '127.0.0.1' }, domainName: 'bench.lambda-url.us-east-1.on.aws' },
  body: JSON.stringify(body),
  isBase64Encoded: false,
});
const envelope = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const calls = {
  modern: event(
    { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'bench' }, _meta: envelope } },
  ),
  legacy: event(
    { 'mcp-protocol-version': '2025-11-25' },
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'bench' } } },
  ),
};
const result = { initCpuMs: (init.user + init.system) / 1000 };
let n = 0;
for (const [era, call] of Object.entries(calls)) {
  const first = await handler(call, { awsRequestId: `first-${era}` });
  if (first.statusCode !== 200 || !first.body.includes('bench')) throw new Error(`${era} call answered ${first.statusCode}: ${first.body}`);
  // A warm-up, then the measured calls: a warm instance is what serves almost every request.
  for (let i = 0; i < invocations / 4; i++) await handler(call, { awsRequestId: `w${n++}` });
  const start = process.cpuUsage();
  for (let i = 0; i < invocations; i++) await handler(call, { awsRequestId: `m${n++}` });
  const used = process.cpuUsage(start);
  result[`${era}CpuUs`] = (used.user + used.system) / invocations;
}
process.stdout.write(`${JSON.stringify(result)}\n`);
