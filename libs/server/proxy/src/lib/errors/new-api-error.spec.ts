import { PassThrough } from 'node:stream';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { nextRequestId, rejectUpgrade, sendNewApiError, sendRefusal, type NewApiErrorCode } from './new-api-error';

/** A socket stand-in that keeps what rejectUpgrade ends it with. */
function rawSocket(): PassThrough & { written: string } {
  const socket = Object.assign(new PassThrough(), { written: '' });
  const end = (s: string) => {
    socket.written = s;
    return socket;
  };
  socket.end = end as unknown as typeof socket.end;
  return socket;
}

describe("Sentinel's refusals, as the OpenAI SDK reads them", () => {
  let server: Server;
  let base: string;
  let next: { status: number; code: NewApiErrorCode; message: string; id: string };

  beforeAll(async () => {
    server = createServer((_req, res) => sendNewApiError(res, next.status, next.code, next.message, next.id));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each([
    [403, 'access_denied', 'this API key is bound to another address; requests from 203.0.113.9 are not allowed'],
    [429, 'rate_limit_exceeded', 'too many first uses'],
    [400, 'bad_request', 'malformed request path: x'],
    [503, 'service_unavailable', 'Sentinel cannot verify this token right now; retry shortly'],
  ] as const)(
    '%i %s: err.requestID is the id in the message and in every request id header',
    async (status, code, message) => {
      next = { status, code, message, id: nextRequestId() };
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });
      const err = (await client.models.list().then(
        () => null,
        (e: unknown) => e,
      )) as InstanceType<typeof OpenAI.APIError>;
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.status).toBe(status);
      expect(err.requestID).toBe(next.id);
      expect(err.message).toContain(`${message} (request id: ${next.id})`);
      expect(err.headers?.get('x-request-id')).toBe(next.id);
      expect(err.headers?.get('x-oneapi-request-id')).toBe(next.id);
      expect(err.headers?.get('x-sentinel-request-id')).toBe(next.id);
    },
  );

  it('a refused websocket upgrade carries the same headers as an HTTP refusal, its status text from http.STATUS_CODES', () => {
    const socket = rawSocket();
    rejectUpgrade(socket, {
      status: 429,
      code: 'rate_limit_exceeded',
      message: 'no',
      requestId: 'abc123',
      headers: { 'retry-after': '7' },
    });
    expect(socket.written).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    for (const line of [
      'x-request-id: abc123',
      'x-oneapi-request-id: abc123',
      'x-sentinel-request-id: abc123',
      'cache-control: no-store',
      'connection: close',
      'retry-after: 7',
      'content-type: application/json; charset=utf-8',
    ])
      expect(socket.written).toContain(`\r\n${line}\r\n`);
    const body = socket.written.slice(socket.written.indexOf('\r\n\r\n') + 4);
    expect(socket.written).toContain(`\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`);
    expect(JSON.parse(body).error.code).toBe('rate_limit_exceeded');
    // A 5xx refusal of an upgrade closes too (an HTTP 5xx keeps its connection).
    rejectUpgrade(socket, { status: 503, code: 'service_unavailable', message: 'later', requestId: 'id2' });
    expect(socket.written).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(socket.written).toContain('\r\nconnection: close\r\n');
  });

  it.each([403, 429, 503])(
    '%i: the upgrade refusal and the HTTP refusal send the same header names and values',
    async (status) => {
      const refusal = {
        status,
        code: 'access_denied' as const,
        message: 'no',
        requestId: 'same-id',
        headers: { 'retry-after': '3' },
      };
      // HTTP: a real server answers with sendRefusal; the raw answer is read off the socket.
      const srv = createServer((_req, res) => sendRefusal(res, refusal));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      const port = (srv.address() as AddressInfo).port;
      const httpRaw = await new Promise<string>((resolve) => {
        const c = connect(port, '127.0.0.1', () =>
          c.write('GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
        );
        let got = '';
        c.on('data', (d) => (got += d.toString('latin1')));
        c.on('close', () => resolve(got));
      });
      await new Promise<void>((r) => srv.close(() => r()));
      const socket = rawSocket();
      rejectUpgrade(socket, refusal);
      const upgradeRaw = socket.written;
      // Node adds Date (and keep-alive bookkeeping on 5xx); everything Sentinel sets must match.
      const headersOf = (raw: string) =>
        new Map(
          raw
            .slice(0, raw.indexOf('\r\n\r\n'))
            .split('\r\n')
            .slice(1)
            .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const)
            .filter(([name]) => name !== 'date' && name !== 'keep-alive'),
        );
      const upgrade = headersOf(upgradeRaw);
      const http = headersOf(httpRaw);
      for (const name of [
        'x-request-id',
        'x-oneapi-request-id',
        'x-sentinel-request-id',
        'cache-control',
        'retry-after',
        'content-type',
        'content-length',
      ])
        expect([name, upgrade.get(name)]).toEqual([name, http.get(name)]);
      expect(upgrade.get('connection')).toBe('close');
      expect(httpRaw.split('\r\n')[0]).toBe(upgradeRaw.split('\r\n')[0]);
    },
  );
});
