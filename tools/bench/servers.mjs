// Child process for the benchmark, in one of two roles (separate processes, so that each one's
// memory can be measured on its own):
//   node servers.mjs upstream          the fake New API upstream
//   node servers.mjs bare <port>       a bare http-proxy keep-alive proxy in front of it (the
//                                      reference Sentinel is compared with)
// Prints {"port": n} on stdout once listening.
import http from 'node:http';
import httpProxy from 'http-proxy';

const [role, upstreamPort] = process.argv.slice(2);

const MODELS = JSON.stringify({
  object: 'list',
  data: Array.from({ length: 4 }, (_, i) => ({
    id: `gpt-bench-${i}`,
    object: 'model',
    created: 1700000000,
    owned_by: 'bench-owner',
  })),
}); // ~500 bytes, like New API's /v1/models for a small deployment
const FIRST_EVENT_MS = 20;

function upstreamHandler(req, res) {
  if (req.method === 'GET' && req.url.startsWith('/v1/models')) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(MODELS) });
    res.end(MODELS);
    return;
  }
  if (req.url.startsWith('/v1/sse')) {
    // An LLM stream: headers at once, the first event a little later (the first token), then the
    // end. /v1/sse-hold keeps the stream open until the client goes (the concurrent-streams test).
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    req.resume();
    if (req.url.startsWith('/v1/sse-hold')) {
      res.write('data: {"delta":"first"}\n\n');
      return;
    }
    setTimeout(() => res.write('data: {"delta":"first"}\n\n'), FIRST_EVENT_MS);
    setTimeout(() => res.end('data: [DONE]\n\n'), FIRST_EVENT_MS * 2);
    return;
  }
  let n = 0;
  req.on('data', (c) => (n += c.length));
  req.on('end', () => {
    const body = JSON.stringify({ ok: true, received: n });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

let server;
if (role === 'upstream') {
  server = http.createServer(upstreamHandler);
} else if (role === 'bare') {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${upstreamPort}`, agent });
  proxy.on('error', (_e, _req, res) => {
    if (!res.headersSent) res.writeHead?.(502);
    res.end?.();
  });
  server = http.createServer((req, res) => proxy.web(req, res));
} else {
  throw new Error(`unknown role ${role}`);
}
server.keepAliveTimeout = 65_000;
server.headersTimeout = 70_000;
server.requestTimeout = 0;
server.maxConnections = Infinity;
await new Promise((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
process.on('SIGTERM', () => process.exit(0));
