// Child process for the benchmark: the fake New API upstream and a bare http-proxy keep-alive
// proxy in front of it (the reference Sentinel is compared with). Prints its ports as JSON.
import http from 'node:http';
import httpProxy from 'http-proxy';

const MODELS = JSON.stringify({
  object: 'list',
  data: Array.from({ length: 4 }, (_, i) => ({ id: `gpt-bench-${i}`, object: 'model', created: 1700000000, owned_by: 'bench-owner' })),
}); // ~500 bytes, like New API's /v1/models for a small deployment

const upstream = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/v1/models')) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(MODELS) });
    res.end(MODELS);
    return;
  }
  if (req.url.startsWith('/v1/sse')) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    // The first event a little after the headers, as an LLM's first token would be.
    setTimeout(() => res.write('data: {"delta":"first"}\n\n'), 20);
    setTimeout(() => res.end('data: [DONE]\n\n'), 40);
    req.resume();
    return;
  }
  let n = 0;
  req.on('data', (c) => (n += c.length));
  req.on('end', () => {
    const body = JSON.stringify({ ok: true, received: n });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
upstream.keepAliveTimeout = 65_000;

await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamPort = upstream.address().port;

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${upstreamPort}`, agent });
proxy.on('error', (_e, _req, res) => res.writeHead?.(502).end());
const bare = http.createServer((req, res) => proxy.web(req, res));
bare.keepAliveTimeout = 65_000;
await new Promise((r) => bare.listen(0, '127.0.0.1', r));

process.stdout.write(JSON.stringify({ upstreamPort, barePort: bare.address().port }) + '\n');
process.on('SIGTERM', () => process.exit(0));
