/**
 * Strict IP address parsing and canonical formatting. Pure TypeScript: no Node built-ins, so the
 * same code runs in the server's hot path and in the admin console's form validators.
 *
 * Representation (why four numbers, not a bigint): an address is four 32-bit words, most
 * significant first, held in plain number fields (`w0`..`w3`). IPv4 uses `w3` only
 * (`w0 = w1 = w2 = 0`). Matching a CIDR is then at most four `(word & mask) === net` integer
 * comparisons, which V8 compiles to machine instructions without allocating; bigint arithmetic
 * allocates a new heap object for every `&` and is roughly an order of magnitude slower. Both
 * families share one object shape (same fields, same order, one allocation site), so the
 * matcher's property loads stay monomorphic.
 */

/** A parsed, normalised IP address. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is always family 4. */
export interface Ip {
  readonly family: 4 | 6;
  /** Bits 127..96 of the IPv6 address; 0 for IPv4. Unsigned 32-bit. */
  readonly w0: number;
  /** Bits 95..64; 0 for IPv4. */
  readonly w1: number;
  /** Bits 63..32; 0 for IPv4. */
  readonly w2: number;
  /** Bits 31..0 of IPv6, or the whole IPv4 address. Unsigned 32-bit. */
  readonly w3: number;
  /**
   * IPv4: dotted quad without leading zeros. IPv6: RFC 5952 (lower case, longest run of two or
   * more zero groups compressed, leftmost on a tie). One deliberate exception, for equality
   * with PostgreSQL's inet/cidr text output: deprecated IPv4-compatible addresses whose first six
   * groups are zero print with a dotted tail (`::1.2.3.4`), as PostgreSQL does.
   */
  readonly canonical: string;
}

/** Longest valid IPv6 text: `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`. */
const MAX_V6_TEXT = 45;

/**
 * Scratch space for the sixteen-bit groups of the IPv6 address being parsed. The parser is
 * synchronous and never re-entered, so one module-level buffer avoids an allocation per call.
 */
const groups = new Uint16Array(8);

/** The raw result of {@link parseRaw}: the text form, the 128 bits, where a dotted tail began. */
export interface RawAddress {
  /** 0 = invalid, 4 = dotted quad, 6 = IPv6 text (possibly IPv4-mapped). */
  form: 0 | 4 | 6;
  w0: number;
  w1: number;
  w2: number;
  w3: number;
  /** Index of the embedded dotted quad in IPv6 text, or -1. */
  v4Tail: number;
}

export function newRawAddress(): RawAddress {
  return { form: 0, w0: 0, w1: 0, w2: 0, w3: 0, v4Tail: -1 };
}

/**
 * Strict dotted quad between `start` and `end`: exactly four decimal octets, each `0` or a number
 * without leading zeros, at most 255. Returns the unsigned 32-bit value, or -1.
 */
export function parseV4Range(s: string, start: number, end: number): number {
  const len = end - start;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let leadingZero = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 0) leadingZero = c === 48;
      else if (leadingZero) return -1; // 012, 00: leading zeros (octal in some parsers)
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20; // ASCII lower-case
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * RFC 4291 §2.2 text form between `start` and `end`: up to eight groups of one to four hex
 * digits, at most one `::`, optionally ending in a strict dotted quad. No zone id, no brackets,
 * no port. Fills `groups`; returns false on any deviation.
 */
function parseV6Range(s: string, start: number, end: number, out: RawAddress): boolean {
  const len = end - start;
  if (len < 2 || len > MAX_V6_TEXT) return false;
  out.v4Tail = -1;
  let n = 0;
  let gap = -1;
  let i = start;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false; // a lone leading ':'
    gap = 0;
    i += 2;
    if (i === end) {
      groups.fill(0);
      return true;
    }
  }
  for (;;) {
    let j = i;
    let value = 0;
    let h: number;
    while (j < end && (h = hexValue(s.charCodeAt(j))) >= 0) {
      value = (value << 4) | h;
      j++;
      if (j - i > 4) break;
    }
    if (j < end && s.charCodeAt(j) === 46) {
      // An embedded dotted quad: the last 32 bits, and the end of the text.
      if (n > 6) return false;
      const v4 = parseV4Range(s, i, end);
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      out.v4Tail = i;
      break;
    }
    const digits = j - i;
    if (digits === 0 || digits > 4 || n === 8) return false;
    groups[n++] = value;
    if (j === end) break;
    if (s.charCodeAt(j) !== 58) return false;
    j++;
    if (j === end) return false; // trailing single ':'
    if (s.charCodeAt(j) === 58) {
      if (gap >= 0) return false; // a second '::'
      gap = n;
      j++;
      if (j === end) break;
    }
    i = j;
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false; // '::' stands for at least one group
  // Move the groups after the gap to the end and zero the gap.
  const tail = n - gap;
  for (let k = 0; k < tail; k++) groups[7 - k] = groups[n - 1 - k];
  for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  return true;
}

/**
 * Parses either family into `out` without normalising IPv4-mapped addresses: CIDR parsing needs
 * the raw 128 bits to decide together with the prefix length. Returns `out.form`.
 */
export function parseRaw(s: string, start: number, end: number, out: RawAddress): 0 | 4 | 6 {
  // ':' decides the family; indexOf is native and needs no allocation.
  const colon = s.indexOf(':', start);
  if (colon < 0 || colon >= end) {
    const v4 = parseV4Range(s, start, end);
    if (v4 < 0) return (out.form = 0);
    out.w0 = 0;
    out.w1 = 0;
    out.w2 = 0;
    out.w3 = v4;
    out.v4Tail = -1;
    return (out.form = 4);
  }
  if (!parseV6Range(s, start, end, out)) return (out.form = 0);
  out.w0 = ((groups[0] << 16) | groups[1]) >>> 0;
  out.w1 = ((groups[2] << 16) | groups[3]) >>> 0;
  out.w2 = ((groups[4] << 16) | groups[5]) >>> 0;
  out.w3 = ((groups[6] << 16) | groups[7]) >>> 0;
  return (out.form = 6);
}

/** `::ffff:0:0/96`: the IPv4-mapped block. */
export function isMappedWords(w0: number, w1: number, w2: number): boolean {
  return w0 === 0 && w1 === 0 && w2 === 0xffff;
}

/** Creates an address. One allocation site, so every Ip has the same hidden class. */
export function makeIp(family: 4 | 6, w0: number, w1: number, w2: number, w3: number, canonical: string): Ip {
  return { family, w0, w1, w2, w3, canonical };
}

/**
 * Strictly parses an IP address; `null` for anything else.
 *
 * IPv4: exactly four decimal octets without leading zeros (`012.0.0.1`, `0x7f.0.0.1`,
 * `2130706433`, `127.1` are refused — the netmask CVE-2021-28918 class). IPv6: RFC 4291 text,
 * embedded dotted quad allowed, no zone id (`%eth0`), no brackets, no port. No whitespace.
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`, `::ffff:102:304`) becomes the IPv4 address.
 */
export function parseIp(input: string): Ip | null {
  if (typeof input !== 'string') return null;
  const r = scratch;
  const form = parseRaw(input, 0, input.length, r);
  if (form === 0) return null;
  if (form === 4) {
    // Strict decimal text is already canonical: reuse the input string.
    return makeIp(4, 0, 0, 0, r.w3, input);
  }
  if (isMappedWords(r.w0, r.w1, r.w2)) {
    // A dotted tail that passed the strict parser is canonical as it stands.
    const canonical = r.v4Tail >= 0 ? input.slice(r.v4Tail) : formatV4(r.w3);
    return makeIp(4, 0, 0, 0, r.w3, canonical);
  }
  return makeIp(6, r.w0, r.w1, r.w2, r.w3, formatV6(r.w0, r.w1, r.w2, r.w3));
}

const scratch = newRawAddress();

/** Dotted quad of an unsigned 32-bit value. */
export function formatV4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

const fmt = new Uint16Array(8);

/**
 * RFC 5952 text of a 128-bit address: lower-case hex without leading zeros, the longest run of
 * two or more zero groups replaced by `::` (the leftmost on a tie, never a single group).
 * When exactly the first six groups are zero the tail prints as a dotted quad (`::1.2.3.4`), as
 * PostgreSQL (BIND `inet_net_ntop`) does.
 */
export function formatV6(w0: number, w1: number, w2: number, w3: number): string {
  fmt[0] = w0 >>> 16;
  fmt[1] = w0 & 0xffff;
  fmt[2] = w1 >>> 16;
  fmt[3] = w1 & 0xffff;
  fmt[4] = w2 >>> 16;
  fmt[5] = w2 & 0xffff;
  fmt[6] = w3 >>> 16;
  fmt[7] = w3 & 0xffff;
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && fmt[i] === 0) {
      if (curBase < 0) curBase = i;
    } else if (curBase >= 0) {
      const curLen = i - curBase;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (bestLen < 2) bestBase = -1;
  // PostgreSQL (up to 18, BIND's inet_net_ntop) prints an IPv4 tail when exactly the first six
  // groups are zero: ::1.2.3.4, ::1.2.0.0 — but ::2, ::102 stay hex. (::ffff:a.b.c.d never
  // reaches here: it is normalised to IPv4.)
  if (bestBase === 0 && bestLen === 6) {
    return `::${formatV4(w3)}`;
  }
  let out = '';
  let separate = false;
  for (let i = 0; i < 8; ) {
    if (i === bestBase) {
      out += '::';
      i += bestLen;
      separate = false;
      continue;
    }
    out += separate ? `:${fmt[i].toString(16)}` : fmt[i].toString(16);
    separate = true;
    i++;
  }
  return out;
}

/** Canonical text of raw words for a family. */
export function formatWords(family: 4 | 6, w0: number, w1: number, w2: number, w3: number): string {
  return family === 4 ? formatV4(w3) : formatV6(w0, w1, w2, w3);
}

/** True when both addresses are the same (family and all bits). */
export function ipEquals(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.w3 === b.w3 && a.w2 === b.w2 && a.w1 === b.w1 && a.w0 === b.w0;
}

/** The sixteen bytes (IPv6) or four bytes (IPv4) of an address, network order. */
export function ipToBytes(ip: Ip): Uint8Array {
  const words = ip.family === 4 ? [ip.w3] : [ip.w0, ip.w1, ip.w2, ip.w3];
  const out = new Uint8Array(words.length * 4);
  words.forEach((w, i) => {
    out[i * 4] = w >>> 24;
    out[i * 4 + 1] = (w >>> 16) & 0xff;
    out[i * 4 + 2] = (w >>> 8) & 0xff;
    out[i * 4 + 3] = w & 0xff;
  });
  return out;
}
