import { maskWord, parseCidr, type Cidr } from './cidr';
import type { Ip } from './ip';

/** A rule compiled for the hot path: parsed once, matched in binary, no allocation per call. */
export interface IpMatcher {
  /** True when `ip` lies in any entry of the rule (same family only). */
  matches(ip: Ip): boolean;
  /** The parsed entries, de-duplicated, in input order. */
  readonly entries: readonly Cidr[];
  readonly size: number;
}

/** Thrown by {@link compileRule} for an entry that is not an IP address or CIDR range. */
export class InvalidRuleEntryError extends Error {
  constructor(
    readonly index: number,
    readonly entry: string,
  ) {
    super(
      `rule entry ${index} (${JSON.stringify(entry.length > 64 ? `${entry.slice(0, 64)}…` : entry)}) is not a valid IP address or CIDR range`,
    );
    this.name = 'InvalidRuleEntryError';
  }
}

class CompiledMatcher implements IpMatcher {
  readonly size: number;
  /** Per IPv4 entry: the network and its mask, as int32. */
  private readonly v4Net: Int32Array;
  private readonly v4Mask: Int32Array;
  /** Per IPv6 entry: four network words then four mask words, as int32. */
  private readonly v6: Int32Array;
  private readonly n4: number;
  private readonly n6: number;
  /** A /0 entry of the family is present: everything of that family matches. */
  private readonly all4: boolean;
  private readonly all6: boolean;

  constructor(readonly entries: readonly Cidr[]) {
    this.size = entries.length;
    const v4 = entries.filter((c) => c.family === 4);
    const v6 = entries.filter((c) => c.family === 6);
    this.n4 = v4.length;
    this.n6 = v6.length;
    this.all4 = v4.some((c) => c.prefix === 0);
    this.all6 = v6.some((c) => c.prefix === 0);
    this.v4Net = new Int32Array(v4.map((c) => c.w3 | 0));
    this.v4Mask = new Int32Array(v4.map((c) => maskWord(c.prefix + 96, 3)));
    this.v6 = new Int32Array(this.n6 * 8);
    v6.forEach((c, i) => {
      const o = i * 8;
      this.v6[o] = c.w0 | 0;
      this.v6[o + 1] = c.w1 | 0;
      this.v6[o + 2] = c.w2 | 0;
      this.v6[o + 3] = c.w3 | 0;
      for (let k = 0; k < 4; k++) this.v6[o + 4 + k] = maskWord(c.prefix, k);
    });
  }

  matches(ip: Ip): boolean {
    if (ip.family === 4) {
      if (this.all4) return true;
      const a = ip.w3 | 0;
      const net = this.v4Net;
      const mask = this.v4Mask;
      for (let i = 0; i < this.n4; i++) {
        if ((a & mask[i]) === net[i]) return true;
      }
      return false;
    }
    if (this.all6) return true;
    const a0 = ip.w0 | 0;
    const a1 = ip.w1 | 0;
    const a2 = ip.w2 | 0;
    const a3 = ip.w3 | 0;
    const t = this.v6;
    for (let o = 0, end = this.n6 * 8; o < end; o += 8) {
      if (
        (a0 & t[o + 4]) === t[o] &&
        (a1 & t[o + 5]) === t[o + 1] &&
        (a2 & t[o + 6]) === t[o + 2] &&
        (a3 & t[o + 7]) === t[o + 3]
      ) {
        return true;
      }
    }
    return false;
  }
}

/**
 * Compiles a rule (IP addresses and CIDR ranges, as strings or parsed) into a matcher. Strings
 * are parsed strictly with {@link parseCidr}; an invalid one throws {@link InvalidRuleEntryError}
 * (validate admin input with `validateRuleEntry` before storing it). An empty rule matches
 * nothing.
 */
export function compileRule(entries: readonly (string | Cidr)[]): IpMatcher {
  const parsed: Cidr[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const cidr = typeof entry === 'string' ? parseCidr(entry) : entry;
    if (cidr === null) throw new InvalidRuleEntryError(index, entry as string);
    if (seen.has(cidr.canonical)) return;
    seen.add(cidr.canonical);
    parsed.push(cidr);
  });
  return new CompiledMatcher(Object.freeze(parsed));
}
