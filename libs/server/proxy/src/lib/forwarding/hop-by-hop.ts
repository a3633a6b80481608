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
 * The request side (responses: {@link responseHeaderLines}).
 * Removes hop-by-hop headers and every header named in `Connection` (Traefik CVE-2024-45410:
 * a client must not be able to strip the proxy's own headers by naming them there). Call it
 * BEFORE setting Sentinel's headers. `keepUpgrade` keeps `Connection: upgrade` + `Upgrade` for
 * websocket handshakes. `Transfer-Encoding: chunked` on a request is kept: Node re-frames the
 * body itself and dropping it would lose the framing of a body without Content-Length.
 */
export function stripHopByHop(headers: IncomingHttpHeaders | OutgoingHttpHeaders, keepUpgrade = false): void {
  // The usual request carries none of them: constant-name checks (inline-cached) decide that
  // without the loop and its keyed lookups.
  if (
    !keepUpgrade &&
    headers['connection'] === undefined &&
    headers['keep-alive'] === undefined &&
    headers['proxy-connection'] === undefined &&
    headers['proxy-authenticate'] === undefined &&
    headers['proxy-authorization'] === undefined &&
    headers['te'] === undefined &&
    headers['trailer'] === undefined &&
    headers['upgrade'] === undefined
  ) {
    return;
  }
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
  for (let i = 0; i < HOP_BY_HOP.length; i++) {
    const name = HOP_BY_HOP[i];
    if (headers[name] === undefined) continue; // the usual case: nothing to delete
    if (keepUpgrade && (name === 'connection' || name === 'upgrade')) continue;
    delete headers[name];
  }
  if (keepUpgrade) {
    headers['connection'] = 'upgrade';
  }
}

/** The upstream response's header lines to send on, and whether the body has a declared length. */
export interface ResponseHeaderLines {
  /** Flat [name, value, name, value, …] in the upstream's order, case and repetition. */
  readonly lines: string[];
  readonly hasContentLength: boolean;
}

/**
 * The response side of {@link stripHopByHop}, on the raw header lines (`IncomingMessage.rawHeaders`)
 * instead of the parsed object: hop-by-hop fields, every field named in `Connection`, and
 * `Transfer-Encoding` (Node frames the body itself) are dropped; everything else is passed on as
 * the upstream sent it — repeated `Set-Cookie` lines stay separate — and Node never has to build
 * the response's header object. `ServerResponse.writeHead` takes the flat array as it is.
 */
export function responseHeaderLines(raw: readonly string[]): ResponseHeaderLines {
  let named: string[] | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 10 && raw[i].toLowerCase() === 'connection') {
      for (const token of raw[i + 1].split(',')) {
        const name = token.trim().toLowerCase();
        if (name !== '') (named ??= []).push(name);
      }
    }
  }
  const lines: string[] = [];
  let hasContentLength = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP_SET.has(name) || name === 'transfer-encoding') continue;
    if (named !== null && named.includes(name)) continue;
    if (name === 'content-length') hasContentLength = true;
    lines.push(raw[i], raw[i + 1]);
  }
  return { lines, hasContentLength };
}

const HOP_BY_HOP_SET: ReadonlySet<string> = new Set(HOP_BY_HOP);
