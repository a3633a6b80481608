import fc from 'fast-check';
import { cidrContains, parseCidr, type Cidr } from './cidr';
import { parseIp, type Ip } from './ip';
import { compileRule } from './matcher';

/**
 * Security matrix case 31 (IP parser and rule matcher half): property tests seeded with every
 * address spelling of the matrix. Fixed seeds and bounded runs keep this file fast and
 * reproducible.
 */
const SEED = 0x5e471e1;
const RUNS = 400;

/** Every address-like string of security-cases.md, plus their close neighbours. */
const CORPUS: readonly string[] = [
  '1.2.3.4',
  '012.0.0.1',
  '127.000.000.001',
  '0x7f.0.0.1',
  '0x7f000001',
  '2130706433',
  '017700000001',
  '1.2.3',
  '1.2.3.4.5',
  '256.1.1.1',
  '1.2.3.4:80',
  '[::1]:80',
  '[::1]',
  'fe80::1%eth0',
  'fe80::1%25eth0',
  '::ffff:1.2.3.4',
  '::FFFF:10.0.0.5',
  '::ffff:0a00:0005',
  '::ffff:127.0.0.1',
  '[::ffff:127.0.0.1]',
  '2001:DB8:0::1',
  '2001:db8::1',
  '2001:0db8:0000:0000:0000:0000:0000:0001',
  '::',
  '::1',
  '::1.2.3.4',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  '1::2::3',
  ':::',
  '1.2.3.4 ',
  ' 1.2.3.4',
  '1.2.3.4\n',
  '١.٢.٣.٤',
  '10.0.0.0/8',
  '10.0.0.5/8',
  '1.2.3.4/32',
  '0.0.0.0/0',
  '::/0',
  '2001:db8::1/128',
  '::ffff:10.0.0.0/104',
  '10.0.0.0/33',
  '::/129',
  '10.0.0.0/08',
  '10.0.0.0/',
  '/8',
  '10.0.0.0/-1',
  '169.254.169.254',
  '255.255.255.255',
  '',
  'a, b',
  '1.2.3.4, 5.6.7.8',
  'x'.repeat(10_240),
];

const addressish = fc.oneof(
  fc.constantFrom(...CORPUS),
  fc.string({ maxLength: 50 }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFx:./%[] '.split('')), maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.ipV4().map((s) => s),
  fc.ipV4Extended(),
  fc.ipV6(),
  fc.tuple(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: -2, max: 140 })).map(([a, p]) => `${a}/${p}`),
);

const sameIp = (a: Ip, b: Ip) =>
  a.family === b.family &&
  a.w0 === b.w0 &&
  a.w1 === b.w1 &&
  a.w2 === b.w2 &&
  a.w3 === b.w3 &&
  a.canonical === b.canonical;
const sameCidr = (a: Cidr, b: Cidr) =>
  a.family === b.family &&
  a.prefix === b.prefix &&
  a.w0 === b.w0 &&
  a.w1 === b.w1 &&
  a.w2 === b.w2 &&
  a.w3 === b.w3 &&
  a.canonical === b.canonical;

describe('case 31: fuzzing parseIp / parseCidr', () => {
  it('every corpus string gets an answer without throwing', () => {
    for (const s of CORPUS) {
      expect(() => parseIp(s)).not.toThrow();
      expect(() => parseCidr(s)).not.toThrow();
    }
  });

  it('never throws, answers the same every time, and the canonical form re-parses to the same value', () => {
    fc.assert(
      fc.property(addressish, (s) => {
        const ip = parseIp(s);
        const again = parseIp(s);
        expect(again === null).toBe(ip === null);
        if (ip) {
          expect(sameIp(ip, again as Ip)).toBe(true);
          const re = parseIp(ip.canonical);
          expect(re).not.toBeNull();
          expect(sameIp(re as Ip, ip)).toBe(true);
          expect(re?.canonical).toBe(ip.canonical);
        }
        const cidr = parseCidr(s);
        const cidrAgain = parseCidr(s);
        expect(cidrAgain === null).toBe(cidr === null);
        if (cidr) {
          expect(sameCidr(cidr, cidrAgain as Cidr)).toBe(true);
          const re = parseCidr(cidr.canonical);
          expect(re).not.toBeNull();
          expect(sameCidr(re as Cidr, cidr)).toBe(true);
          expect(re?.hostBitsSet).toBe(false);
        }
      }),
      { seed: SEED, numRuns: RUNS * 3 },
    );
  });

  it('refuses the ambiguous spellings of the matrix (leading zeros, hex, integer, zone id, port)', () => {
    for (const s of [
      '012.0.0.1',
      '127.000.000.001',
      '0x7f.0.0.1',
      '0x7f000001',
      '2130706433',
      '017700000001',
      'fe80::1%eth0',
      '1.2.3.4:80',
      '[::1]:80',
      '[::1]',
      ' 1.2.3.4',
      '1.2.3.4\n',
      'a, b',
    ]) {
      expect(parseIp(s)).toBeNull();
    }
  });

  it('IPv4-mapped IPv6 is the same address as its IPv4 form (case 5)', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.constantFrom('::ffff:', '::FFFF:', '0:0:0:0:0:ffff:', '0::ffff:'), (v4, prefix) => {
        const plain = parseIp(v4);
        const mapped = parseIp(`${prefix}${v4}`);
        expect(plain).not.toBeNull();
        expect(mapped).not.toBeNull();
        expect(sameIp(plain as Ip, mapped as Ip)).toBe(true);
        const [a, b, c, d] = v4.split('.').map(Number);
        const hex = `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        expect(sameIp(parseIp(hex) as Ip, plain as Ip)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(cidrContains(parseCidr('10.0.0.0/8') as Cidr, parseIp('::ffff:10.0.0.5') as Ip)).toBe(true);
  });
});

/** A random rule: addresses and networks of both families, some IPv4-mapped, some with host bits. */
const v4Word = fc.integer({ min: 0, max: 0xffffffff });
const v4Text = v4Word.map((w) => [w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255].join('.'));
const ruleEntry = fc.oneof(
  fc.tuple(v4Text, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
  v4Text,
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`),
  fc.ipV6(),
  fc.tuple(v4Text, fc.integer({ min: 96, max: 128 })).map(([a, p]) => `::ffff:${a}/${p}`),
  fc.constantFrom('0.0.0.0/0', '::/0', '10.0.0.0/8', '2001:db8::/32', '1.2.3.4/32', '2001:db8::1/128'),
);
const address = fc.oneof(
  v4Text,
  fc.ipV6(),
  v4Text.map((a) => `::ffff:${a}`),
  fc.constantFrom('10.0.0.0', '10.255.255.255', '11.0.0.0', '9.255.255.255', '2001:db8::', '::1'),
);

describe('case 31: compileRule(...).matches agrees with cidrContains', () => {
  it('over generated rules and addresses', () => {
    fc.assert(
      fc.property(
        fc.array(ruleEntry, { minLength: 1, maxLength: 8 }),
        fc.array(address, { minLength: 1, maxLength: 8 }),
        (entries, addrs) => {
          const cidrs = entries.map(
            (e) =>
              parseCidr(e) ??
              (parseIp(e) ? parseCidr(`${e}/${e.includes(':') && !/^::ffff:\d/i.test(e) ? 128 : 32}`) : null),
          );
          if (cidrs.some((c) => c === null)) return; // the generators only make valid entries; skip a corner a generator missed
          const matcher = compileRule(entries);
          for (const a of addrs) {
            const ip = parseIp(a);
            expect(ip).not.toBeNull();
            const expected = (cidrs as Cidr[]).some((c) => cidrContains(c, ip as Ip));
            expect(matcher.matches(ip as Ip)).toBe(expected);
            expect(matcher.matches(ip as Ip)).toBe(expected); // same answer every time
          }
          // Also the network's own first address and every rule's host entry.
          for (const c of cidrs as Cidr[]) {
            const first = parseIp(c.canonical.split('/')[0]) as Ip;
            expect(matcher.matches(first)).toBe(true);
          }
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('CIDR edges (case 8): first and last address in, neighbours out', () => {
    fc.assert(
      fc.property(v4Word, fc.integer({ min: 1, max: 32 }), (w, prefix) => {
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        const first = (w & mask) >>> 0;
        const last = (first | (~mask >>> 0)) >>> 0;
        const txt = (x: number) => [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join('.');
        const m = compileRule([`${txt(first)}/${prefix}`]);
        expect(m.matches(parseIp(txt(first)) as Ip)).toBe(true);
        expect(m.matches(parseIp(txt(last)) as Ip)).toBe(true);
        expect(m.matches(parseIp(`::ffff:${txt(last)}`) as Ip)).toBe(true);
        if (first > 0) expect(m.matches(parseIp(txt(first - 1)) as Ip)).toBe(false);
        if (last < 0xffffffff) expect(m.matches(parseIp(txt(last + 1)) as Ip)).toBe(false);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
