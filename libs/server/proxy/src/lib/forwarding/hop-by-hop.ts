import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific fields, plus the proxy-* ones browsers and proxies send. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
];

/**
 * Removes hop-by-hop headers and every header named in `Connection` (Traefik CVE-2024-45410:
 * a client must not be able to strip the proxy's own headers by naming them there). Call it
 * BEFORE setting Sentinel's headers. `keepUpgrade` keeps `Connection: upgrade` + `Upgrade` for
 * websocket handshakes. `Transfer-Encoding: chunked` on a request is kept: Node re-frames the
 * body itself and dropping it would lose the framing of a body without Content-Length.
 */
export function stripHopByHop(
  headers: IncomingHttpHeaders | OutgoingHttpHeaders,
  keepUpgrade = false,
  isResponse = false,
): void {
  const connection = headers['connection'];
  if (connection !== undefined) {
    const value = Array.isArray(connection) ? connection.join(',') : String(connection);
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name === '' || (keepUpgrade && name === 'upgrade')) continue;
      if (name === 'x-real-ip' || name === 'x-forwarded-for') continue; // overwritten anyway
      delete headers[name];
    }
  }
  for (const name of HOP_BY_HOP) {
    if (keepUpgrade && (name === 'connection' || name === 'upgrade')) continue;
    delete headers[name];
  }
  if (isResponse) delete headers['transfer-encoding'];
  if (keepUpgrade) {
    headers['connection'] = 'upgrade';
  }
}
