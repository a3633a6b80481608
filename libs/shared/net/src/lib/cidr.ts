import { formatWords, isMappedWords, newRawAddress, parseRaw, type Ip } from './ip';

/**
 * A network: address family, prefix length and the network address (host bits cleared), in the
 * same four-word layout as {@link Ip}. IPv4-mapped IPv6 networks (`::ffff:10.0.0.0/104`) are
 * IPv4 networks (`10.0.0.0/8`).
 */
export interface Cidr {
  readonly family: 4 | 6;
  /** 0..32 for IPv4, 0..128 for IPv6. */
  readonly prefix: number;
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  /** Always with the length, like PostgreSQL's `cidr` output: `10.0.0.0/8`, `1.2.3.4/32`. */
  readonly canonical: string;
  /** For people: the bare address for a single host (`1.2.3.4`, `2001:db8::1`), else canonical. */
  readonly display: string;
  /** The input had bits set right of the mask (`10.0.0.5/8`); the network was normalised. */
  readonly hostBitsSet: boolean;
  /** The input was written as IPv4-mapped IPv6 and became an IPv4 network. */
  readonly fromMapped: boolean;
}

/** The int32 mask for word `word` (0..3) of a 128-bit prefix of length `bits128`. */
export function maskWord(bits128: number, word: number): number {
  const bits = bits128 - word * 32;
  if (bits <= 0) return 0;
  if (bits >= 32) return -1;
  return -1 << (32 - bits);
}

/** Builds a Cidr from unmasked words: masks them, records whether host bits were set. */
export function makeCidr(
  family: 4 | 6,
  prefix: number,
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  fromMapped: boolean,
): Cidr {
  const bits128 = family === 4 ? prefix + 96 : prefix;
  const w0 = (a0 & maskWord(bits128, 0)) >>> 0;
  const w1 = (a1 & maskWord(bits128, 1)) >>> 0;
  const w2 = (a2 & maskWord(bits128, 2)) >>> 0;
  const w3 = (a3 & maskWord(bits128, 3)) >>> 0;
  const hostBitsSet = w0 !== a0 >>> 0 || w1 !== a1 >>> 0 || w2 !== a2 >>> 0 || w3 !== a3 >>> 0;
  const address = formatWords(family, w0, w1, w2, w3);
  const canonical = `${address}/${prefix}`;
  const display = prefix === (family === 4 ? 32 : 128) ? address : canonical;
  return { family, prefix, w0, w1, w2, w3, canonical, display, hostBitsSet, fromMapped };
}

const raw = newRawAddress();

/**
 * Strict prefix length text: `0` or a decimal number without leading zeros. Returns -1 if the
 * text is not one (range is checked by the caller).
 */
function parsePrefix(s: string, start: number, end: number): number {
  const len = end - start;
  if (len < 1 || len > 3) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    if (i === start && c === 48 && len > 1) return -1;
    value = value * 10 + (c - 48);
  }
  return value;
}

/**
 * Parses `address/prefix` or a bare address (a /32 or /128). Strict like {@link parseIp} for the
 * address; the prefix is decimal without leading zeros, at most 32 (IPv4) or 128 (IPv6). Host
 * bits right of the mask are cleared and flagged (`hostBitsSet`). An IPv4-mapped IPv6 network
 * with a prefix of 96 or more becomes the IPv4 network (`::ffff:10.0.0.0/104` → `10.0.0.0/8`).
 */
export function parseCidr(input: string): Cidr | null {
  if (typeof input !== 'string') return null;
  const slash = input.indexOf('/');
  const end = slash < 0 ? input.length : slash;
  const form = parseRaw(input, 0, end, raw);
  if (form === 0) return null;
  let prefix: number;
  if (slash < 0) {
    prefix = form === 4 ? 32 : 128;
  } else {
    prefix = parsePrefix(input, slash + 1, input.length);
    if (prefix < 0 || prefix > (form === 4 ? 32 : 128)) return null;
  }
  if (form === 4) return makeCidr(4, prefix, 0, 0, 0, raw.w3, false);
  if (prefix >= 96 && isMappedWords(raw.w0, raw.w1, raw.w2)) {
    return makeCidr(4, prefix - 96, 0, 0, 0, raw.w3, true);
  }
  return makeCidr(6, prefix, raw.w0, raw.w1, raw.w2, raw.w3, false);
}

/**
 * True when `ip` lies inside `cidr`. Different families never match: `1.2.3.4` is not inside
 * `::/0` and `2001:db8::1` is not inside `0.0.0.0/0` (IPv4-mapped addresses are IPv4 already).
 * Agrees with PostgreSQL's `inet <<= cidr` on values stored in this canonical form.
 */
export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family !== ip.family) return false;
  const p = cidr.family === 4 ? cidr.prefix + 96 : cidr.prefix;
  return (
    (ip.w3 & maskWord(p, 3)) >>> 0 === cidr.w3 &&
    (ip.w2 & maskWord(p, 2)) >>> 0 === cidr.w2 &&
    (ip.w1 & maskWord(p, 1)) >>> 0 === cidr.w1 &&
    (ip.w0 & maskWord(p, 0)) >>> 0 === cidr.w0
  );
}

/**
 * The network of `bits` leading bits around `ip` (e.g. an IPv6 client's /64). `hostBitsSet`
 * tells whether the address had bits beyond the prefix. Throws RangeError for a prefix length
 * outside 0..32 (IPv4) or 0..128 (IPv6), or not an integer.
 */
export function prefixOf(ip: Ip, bits: number): Cidr {
  const max = ip.family === 4 ? 32 : 128;
  if (!Number.isInteger(bits) || bits < 0 || bits > max) {
    throw new RangeError(`prefix length must be an integer from 0 to ${max} for IPv${ip.family}, got ${String(bits)}`);
  }
  return makeCidr(ip.family, bits, ip.w0, ip.w1, ip.w2, ip.w3, false);
}

/** The single-address network of `ip` (/32 or /128). */
export function hostCidr(ip: Ip): Cidr {
  return prefixOf(ip, ip.family === 4 ? 32 : 128);
}
