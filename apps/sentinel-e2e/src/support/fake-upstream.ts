import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  bodyBytes: number;
  aborted: boolean;
  remoteAddress: string | undefined;
}

/**
 * A stand-in for New API that records what it receives.
 *  - GET /v1/models → small JSON
 *  - POST /v1/chat/completions with "stream": true → SSE events every `sseIntervalMs`
 *  - /hang → never answers (for client-abort and timeout tests)
 *  - websocket /v1/realtime → echo
 *  - anything else → 200 JSON echo of method and path
 */
export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  private server!: Server;
  private wss!: WebSocketServer;
  port = 0;
  sseIntervalMs = 50;
  sseEvents = 5;
  /** SSE streams open right now, and the most that were open at once. */
  openStreams = 0;
  maxOpenStreams = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodyBytes: 0,
        aborted: false,
        remoteAddress: req.socket.remoteAddress,
      };
      this.requests.push(rec);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        rec.bodyBytes += c.length;
        if (rec.bodyBytes < 1_000_000) chunks.push(c);
      });
      res.on('close', () => {
        if (!res.writableFinished) rec.aborted = true;
      });
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0];
        const body = Buffer.concat(chunks).toString('utf8');
        if (path === '/hang') return; // never answer
        if (path === '/v1/models' && req.method === 'GET') {
          const json = JSON.stringify({
            object: 'list',
            data: [{ id: 'gpt-test', object: 'model', created: 0, owned_by: 'fake' }],
          });
          res.writeHead(200, { 'content-type': 'application/json' }).end(json);
          return;
        }
        if (path === '/v1/chat/completions' && body.includes('"stream":true')) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          res.flushHeaders(); // as New API does: the client learns the stream started before the first token
          this.openStreams++;
          this.maxOpenStreams = Math.max(this.maxOpenStreams, this.openStreams);
          res.once('close', () => this.openStreams--);
          let n = 0;
          const tick = () => {
            if (res.destroyed) return;
            if (n >= this.sseEvents) {
              res.end('data: [DONE]\n\n');
              return;
            }
            const chunk = {
              id: 'chatcmpl-1',
              object: 'chat.completion.chunk',
              created: 0,
              model: 'gpt-test',
              choices: [{ index: 0, delta: { content: `tok${n}` }, finish_reason: null }],
            };
            res.write(`data: ${JSON.stringify(chunk)}\n\n`);
            n++;
            setTimeout(tick, this.sseIntervalMs);
          };
          setTimeout(tick, this.sseIntervalMs);
          return;
        }
        if (path === '/v1/chat/completions') {
          const json = JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 0,
            model: 'gpt-test',
            choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          });
          res.writeHead(200, { 'content-type': 'application/json' }).end(json);
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ method: req.method, path, bodyBytes: rec.bodyBytes }));
      });
    });
    this.wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => [...protocols][0] ?? false });
    this.server.on('upgrade', (req, socket, head) => {
      this.requests.push({
        method: 'UPGRADE',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodyBytes: 0,
        aborted: false,
        remoteAddress: req.socket.remoteAddress,
      });
      this.wss.handleUpgrade(req, socket, head, (ws) =>
        ws.on('message', (m, isBinary) => ws.send(m, { binary: isBinary })),
      );
    });
    await new Promise<void>((r) => this.server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  last(): RecordedRequest | undefined {
    return this.requests[this.requests.length - 1];
  }

  async stop(): Promise<void> {
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
