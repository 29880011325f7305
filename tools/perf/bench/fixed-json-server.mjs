// Bench variant (d): the ceiling — node:http reads the body and returns a fixed JSON-RPC result. No MCP at all.
import http from 'node:http';

const answer = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'bench' }] } });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(0, '127.0.0.1', () =>
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${server.address().port}/mcp` })),
);
