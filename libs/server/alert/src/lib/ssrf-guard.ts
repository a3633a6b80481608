import { lookup as dnsLookup } from 'node:dns/promises';
import { compileRule, parseIp, type Ip } from '@sentinel/net';

/** Resolves a host name to every address it has (A and AAAA), like dns.lookup({ all: true }). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Destinations an alert webhook may not reach unless private targets are explicitly allowed.
 * IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is parsed as the IPv4 address by @sentinel/net, so the
 * IPv4 ranges cover the mapped forms too.
 */
const FORBIDDEN: readonly (readonly [string, string])[] = [
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['169.254.0.0/16', 'link-local'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible'],
  ['64:ff9b::/96', 'NAT64'],
  ['64:ff9b:1::/48', 'NAT64'],
  ['100::/64', 'discard'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
];

const MATCHERS = FORBIDDEN.map(([cidr, label]) => ({ matcher: compileRule([cidr]), label }));

/** Why `ip` is not an acceptable webhook destination, or null when it is a public address. */
export function forbiddenReason(ip: Ip): string | null {
  for (const { matcher, label } of MATCHERS) if (matcher.matches(ip)) return label;
  // 6to4 (2002::/16) embeds an IPv4 address in bits 16..47: judge that address.
  if (ip.family === 6 && ip.w0 >>> 16 === 0x2002) {
    const v4 = ((ip.w0 & 0xffff) << 16) | (ip.w1 >>> 16);
    const embedded = parseIp(`${v4 >>> 24}.${(v4 >>> 16) & 0xff}.${(v4 >>> 8) & 0xff}.${v4 & 0xff}`);
    const inner = embedded ? forbiddenReason(embedded) : 'invalid';
    if (inner) return `6to4 of ${inner}`;
  }
  return null;
}

/**
 * Why a webhook target was refused: `invalid` (not an http(s) URL), `forbidden` (a private,
 * loopback, metadata … address, or a name resolving to one), `unresolved` (DNS failed: may work
 * later, so delivery retries it and saving the setting does not refuse it).
 */
export type WebhookTargetErrorKind = 'invalid' | 'forbidden' | 'unresolved';

export class WebhookTargetError extends Error {
  constructor(
    message: string,
    readonly kind: WebhookTargetErrorKind = 'invalid',
  ) {
    super(message);
    this.name = 'WebhookTargetError';
  }
}

export interface ResolvedTarget {
  url: URL;
  /** The exact address the connection must use: the one that was checked. */
  address: string;
  family: 4 | 6;
}

/**
 * Validates a webhook URL and resolves its host. Every address the name resolves to must be
 * public (one private answer refuses the whole name: a DNS-rebinding name may return a mix), and
 * the caller must connect to `address` — never resolve the name again.
 */
export async function resolveWebhookTarget(
  rawUrl: string,
  allowPrivateTargets: boolean,
  resolver: Resolver = systemResolver,
): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new WebhookTargetError('the webhook URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookTargetError(`the webhook URL must be http:// or https://, not ${url.protocol}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = parseIp(host);
  let addresses: Ip[];
  if (literal) {
    addresses = [literal];
  } else {
    let answers: { address: string; family: number }[];
    try {
      answers = await resolver(host);
    } catch (e) {
      throw new WebhookTargetError(
        `cannot resolve ${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'unresolved',
      );
    }
    addresses = [];
    for (const a of answers) {
      const ip = parseIp(a.address);
      if (!ip)
        throw new WebhookTargetError(
          `${host} resolved to an unusable address ${JSON.stringify(a.address)}`,
          'forbidden',
        );
      addresses.push(ip);
    }
    if (addresses.length === 0) throw new WebhookTargetError(`${host} has no address`, 'unresolved');
  }
  if (!allowPrivateTargets) {
    for (const ip of addresses) {
      const reason = forbiddenReason(ip);
      if (reason) {
        throw new WebhookTargetError(
          `refused: ${host === ip.canonical ? ip.canonical : `${host} resolves to ${ip.canonical}`}, a ${reason} address ` +
            `(private webhook targets are not allowed; see the alertAllowPrivateTargets setting)`,
          'forbidden',
        );
      }
    }
  }
  const chosen = addresses[0];
  // The IPv6 text form Node expects for a connection (parseIp canonical is RFC 5952).
  return { url, address: chosen.canonical, family: chosen.family };
}
