import { BlockList } from 'node:net';
import { cidrContains, parseCidr, prefixOf } from './cidr';
import { parseIp, type Ip } from './ip';
import { compileRule } from './matcher';

/**
 * Generated cross-check: thousands of pseudo-random addresses and rules (fixed seed) compared
 * against a deliberately naive implementation — addresses as strings of '0'/'1' characters,
 * containment as "the first `prefix` characters are equal" — and against Node's BlockList.
 */

/** Deterministic 32-bit generator (mulberry32), so a failure reproduces. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const next = generator(0x5e171e1);
const below = (n: number) => next() % n;

/** Naive: the text of an address → bit string, by splitting and padding, no bit operations. */
function naiveBits(text: string): { family: 4 | 6; bits: string } {
  if (!text.includes(':')) {
    return {
      family: 4,
      bits: text
        .split('.')
        .map((o) => Number(o).toString(2).padStart(8, '0'))
        .join(''),
    };
  }
  let groups: string[];
  let tail: string[] = [];
  let body = text;
  if (text.includes('.')) {
    const cut = text.lastIndexOf(':');
    const quad = text
      .slice(cut + 1)
      .split('.')
      .map(Number);
    tail = [((quad[0] << 8) | quad[1]).toString(16), ((quad[2] << 8) | quad[3]).toString(16)];
    body = text.slice(0, cut + 1); // "…:" — keep a trailing "::", drop a single ":"
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  if (body.includes('::')) {
    const [left, right] = body.split('::');
    const l = left === '' ? [] : left.split(':');
    const r = right === '' ? [] : right.split(':');
    groups = [...l, ...Array(8 - l.length - r.length - tail.length).fill('0'), ...r];
  } else {
    groups = body === '' ? [] : body.split(':');
  }
  groups = [...groups, ...tail];
  const bits = groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
  // IPv4-mapped → IPv4, naively.
  if (bits.startsWith('0'.repeat(80) + '1'.repeat(16))) return { family: 4, bits: bits.slice(96) };
  return { family: 6, bits };
}

function naiveContains(rule: string, address: string): boolean {
  const [net, prefixText] = rule.split('/');
  const n = naiveBits(net);
  const a = naiveBits(address);
  let prefix = prefixText === undefined ? (n.family === 4 ? 32 : 128) : Number(prefixText);
  // A mapped rule written in IPv6 counts its prefix over 128 bits.
  if (net.includes(':') && n.family === 4) prefix -= 96;
  if (n.family !== a.family) return false;
  return n.bits.slice(0, prefix) === a.bits.slice(0, prefix);
}

function randomV4(): string {
  return [below(256), below(256), below(256), below(256)].join('.');
}

function randomV6(): string {
  const groups = Array.from({ length: 8 }, () => (below(3) === 0 ? 0 : below(2) === 0 ? below(16) : below(0x10000)));
  const style = below(4);
  if (style === 0) return groups.map((g) => g.toString(16)).join(':');
  if (style === 1) return groups.map((g) => g.toString(16).toUpperCase().padStart(4, '0')).join(':');
  if (style === 2) return `::ffff:${randomV4()}`; // mapped
  // compress a random run
  const start = below(8);
  const len = 1 + below(8 - start);
  for (let i = start; i < start + len; i++) groups[i] = 0;
  const hex = groups.map((g) => g.toString(16));
  return `${hex.slice(0, start).join(':')}::${hex.slice(start + len).join(':')}`;
}

/** A rule near the address half of the time, so both outcomes are well represented. */
function randomRuleFor(address: string): string {
  const base =
    below(2) === 0 ? address : address.includes(':') && !address.startsWith('::ffff:') ? randomV6() : randomV4();
  const isV6Text = base.includes(':');
  const mappedText = base.startsWith('::ffff:');
  const max = isV6Text ? 128 : 32;
  const min = mappedText ? 96 : 0;
  const prefix = min + below(max - min + 1);
  return below(10) === 0 ? base : `${base}/${prefix}`;
}

describe('generated cross-check against a naive bit-string implementation', () => {
  const cases: { address: string; rule: string }[] = [];
  for (let i = 0; i < 2000; i++) {
    const address = below(2) === 0 ? randomV4() : randomV6();
    cases.push({ address, rule: randomRuleFor(address) });
  }

  it('has both outcomes in the sample', () => {
    const hits = cases.filter((c) => naiveContains(c.rule, c.address)).length;
    expect(hits).toBeGreaterThan(400);
    expect(hits).toBeLessThan(1600);
  });

  it('cidrContains and the compiled matcher agree with the naive implementation on 2,000 cases', () => {
    const mismatches: string[] = [];
    for (const { address, rule } of cases) {
      const ip = parseIp(address);
      const cidr = parseCidr(rule);
      if (ip === null || cidr === null) {
        mismatches.push(`did not parse: ${address} / ${rule}`);
        continue;
      }
      const expected = naiveContains(rule, address);
      if (cidrContains(cidr, ip) !== expected) mismatches.push(`cidrContains(${rule}, ${address}) !== ${expected}`);
      if (compileRule([rule]).matches(ip) !== expected) mismatches.push(`matcher(${rule}, ${address}) !== ${expected}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('a compiled rule of 50 entries equals "any entry contains it" on every address', () => {
    const rules = cases.slice(0, 50).map((c) => c.rule);
    const matcher = compileRule(rules);
    for (const { address } of cases) {
      const ip = parseIp(address) as Ip;
      expect(matcher.matches(ip)).toBe(rules.some((r) => naiveContains(r, address)));
    }
  });

  it('agrees with node:net BlockList (same family)', () => {
    let compared = 0;
    for (const { address, rule } of cases) {
      const ip = parseIp(address) as Ip;
      const cidr = parseCidr(rule);
      if (cidr === null || cidr.family !== ip.family) continue;
      const list = new BlockList();
      const type = cidr.family === 4 ? 'ipv4' : 'ipv6';
      list.addSubnet(cidr.canonical.split('/')[0], cidr.prefix, type);
      expect(list.check(ip.canonical, type)).toBe(cidrContains(cidr, ip));
      compared++;
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('prefixOf(ip, n) always contains ip and has no host bits', () => {
    for (const { address } of cases) {
      const ip = parseIp(address) as Ip;
      const bits = below(ip.family === 4 ? 33 : 129);
      const net = prefixOf(ip, bits);
      expect(cidrContains(net, ip)).toBe(true);
      expect(parseCidr(net.canonical)?.hostBitsSet).toBe(false);
      expect(parseCidr(net.canonical)?.canonical).toBe(net.canonical);
    }
  });

  it('canonical text is stable: parse(canonical) gives the same address', () => {
    for (const { address, rule } of cases) {
      const ip = parseIp(address) as Ip;
      expect(parseIp(ip.canonical)).toEqual(ip);
      const cidr = parseCidr(rule);
      if (cidr !== null) expect(parseCidr(cidr.canonical)?.canonical).toBe(cidr.canonical);
    }
  });
});
