import { compileRule, parseIp, type Ip, type IpMatcher } from '@sentinel/net';

export type ClientIpResult = { readonly ok: true; readonly ip: Ip } | { readonly ok: false; readonly message: string };

/**
 * The client's address (docs/security-cases.md cases 1–7, nginx realip semantics): the socket peer, unless the
 * peer is inside TRUSTED_PROXY_IPS — then exactly one valid X-Real-IP. X-Forwarded-For is never
 * read. A trusted peer without a usable X-Real-IP is refused (400), never bound to the proxy's
 * own address.
 */
export class ClientIpResolver {
  private readonly trusted: IpMatcher;
  private readonly trustsAnyone: boolean;
  /** Parsed socket addresses: a connection's peer is parsed once, not per request. */
  private readonly peerCache = new Map<string, Ip | null>();

  constructor(trustedProxies: readonly string[]) {
    this.trusted = compileRule(trustedProxies);
    this.trustsAnyone = trustedProxies.length > 0;
  }

  resolve(remoteAddress: string | undefined, rawHeaders: readonly string[]): ClientIpResult {
    const peer = remoteAddress === undefined ? null : this.peer(remoteAddress);
    if (peer === null) return { ok: false, message: 'client address unavailable' };
    if (!this.trustsAnyone || !this.trusted.matches(peer)) return { ok: true, ip: peer };

    let value: string | undefined;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i];
      if (name.length === 9 && name.toLowerCase() === 'x-real-ip') {
        if (value !== undefined) return { ok: false, message: 'more than one X-Real-IP header from the trusted proxy' };
        value = rawHeaders[i + 1];
      }
    }
    if (value === undefined) return { ok: false, message: 'trusted proxy sent no X-Real-IP header' };
    const ip = parseIp(value.trim());
    if (ip === null) return { ok: false, message: 'trusted proxy sent an invalid X-Real-IP header' };
    return { ok: true, ip };
  }

  private peer(remoteAddress: string): Ip | null {
    let ip = this.peerCache.get(remoteAddress);
    if (ip === undefined) {
      ip = parseIp(remoteAddress);
      if (this.peerCache.size >= 10_000) this.peerCache.clear();
      this.peerCache.set(remoteAddress, ip);
    }
    return ip;
  }
}
