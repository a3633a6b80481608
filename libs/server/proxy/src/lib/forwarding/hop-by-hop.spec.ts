import type { IncomingHttpHeaders } from 'node:http';
import { stripHopByHop } from './hop-by-hop';

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
    expect(h).toEqual({ 'transfer-encoding': 'chunked', authorization: 'Bearer k', 'content-type': 'application/json' });
  });

  it('keeps the websocket handshake when asked', () => {
    const h: IncomingHttpHeaders = { connection: 'Upgrade, x-drop', upgrade: 'websocket', 'x-drop': '1', 'sec-websocket-protocol': 'a, b' };
    stripHopByHop(h, true);
    expect(h).toEqual({ connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-protocol': 'a, b' });
  });

  it('drops Transfer-Encoding from responses (Node frames the body itself)', () => {
    const h: IncomingHttpHeaders = { 'transfer-encoding': 'chunked', 'content-type': 'text/event-stream' };
    stripHopByHop(h, false, true);
    expect(h).toEqual({ 'content-type': 'text/event-stream' });
  });
});
