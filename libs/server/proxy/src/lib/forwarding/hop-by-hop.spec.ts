import type { IncomingHttpHeaders } from 'node:http';
import { responseHeaderLines, stripHopByHop } from './hop-by-hop';

describe('stripHopByHop', () => {
  it('removes hop-by-hop headers and every header named in Connection', () => {
    const h: IncomingHttpHeaders = {
      connection: 'keep-alive, X-Secret-Hop, x-real-ip',
      'keep-alive': 'timeout=5',
      'x-secret-hop': '1',
      te: 'trailers',
      trailer: 'x',
      upgrade: 'h2c',
      'proxy-authorization': 'Basic x',
      'transfer-encoding': 'chunked',
      authorization: 'Bearer k',
      'content-type': 'application/json',
    };
    stripHopByHop(h);
    expect(h).toEqual({
      'transfer-encoding': 'chunked',
      authorization: 'Bearer k',
      'content-type': 'application/json',
    });
  });

  it('leaves a request without hop-by-hop headers untouched (the fast path)', () => {
    const h: IncomingHttpHeaders = { host: 'a', authorization: 'Bearer k', 'content-length': '2' };
    stripHopByHop(h);
    expect(h).toEqual({ host: 'a', authorization: 'Bearer k', 'content-length': '2' });
  });

  it.each([
    'connection',
    'keep-alive',
    'proxy-connection',
    'proxy-authenticate',
    'proxy-authorization',
    'te',
    'trailer',
    'upgrade',
  ])('a request carrying only %s loses it (no fast path around it)', (name) => {
    const h: IncomingHttpHeaders = { host: 'a', [name]: 'x' };
    stripHopByHop(h);
    expect(h).toEqual({ host: 'a' });
  });

  it('keeps the websocket handshake when asked', () => {
    const h: IncomingHttpHeaders = {
      connection: 'Upgrade, x-drop',
      upgrade: 'websocket',
      'x-drop': '1',
      'sec-websocket-protocol': 'a, b',
    };
    stripHopByHop(h, true);
    expect(h).toEqual({
      connection: 'upgrade',
      upgrade: 'websocket',
      'sec-websocket-protocol': 'a, b',
    });
  });
});

describe('responseHeaderLines', () => {
  it('drops Transfer-Encoding from responses (Node frames the body itself)', () => {
    const raw = ['transfer-encoding', 'chunked', 'content-type', 'text/event-stream'];
    expect(responseHeaderLines(raw).lines).toEqual(['content-type', 'text/event-stream']);
  });

  it('drops hop-by-hop lines, Transfer-Encoding and every line named in Connection, whatever their case', () => {
    const raw = [
      'Content-Type',
      'application/json',
      'Connection',
      'keep-alive, X-Internal-Hop',
      'Keep-Alive',
      'timeout=5',
      'X-Internal-Hop',
      'secret',
      'Transfer-Encoding',
      'chunked',
      'TE',
      'trailers',
      'Trailer',
      'x-checksum',
      'Upgrade',
      'h2c',
      'Proxy-Authenticate',
      'Basic',
      'Proxy-Connection',
      'keep-alive',
      'X-Request-Id',
      'r1',
    ];
    expect(responseHeaderLines(raw)).toEqual({
      lines: ['Content-Type', 'application/json', 'X-Request-Id', 'r1'],
      hasContentLength: false,
    });
  });

  it('keeps order, case and repeated lines (two Set-Cookie stay two), and sees Content-Length in any case', () => {
    const raw = ['set-cookie', 'a=1', 'CONTENT-LENGTH', '12', 'Set-Cookie', 'b=2', 'x-new-api-version', 'v1'];
    expect(responseHeaderLines(raw)).toEqual({
      lines: raw,
      hasContentLength: true,
    });
  });

  it('a Connection line listing several names, with blanks and odd spacing, drops each of them', () => {
    const raw = ['connection', ' , X-A,x-b ,', 'connection', 'X-C', 'x-a', '1', 'X-B', '2', 'x-c', '3', 'x-d', '4'];
    expect(responseHeaderLines(raw).lines).toEqual(['x-d', '4']);
  });
});
