import { parseCidr } from './cidr';
import { parseIp, type Ip } from './ip';
import { compileRule, InvalidRuleEntryError } from './matcher';

function ip(text: string): Ip {
  const parsed = parseIp(text);
  if (parsed === null) throw new Error(`test address ${text} does not parse`);
  return parsed;
}

describe('compileRule', () => {
  const rule = compileRule(['203.0.113.7', '10.0.0.0/8', '2001:db8:1::/48', '2001:db8:2::5']);

  it.each([
    ['203.0.113.7', true],
    ['203.0.113.8', false],
    ['10.0.0.0', true],
    ['10.255.255.255', true],
    ['11.0.0.0', false],
    ['::ffff:10.1.2.3', true],
    ['::ffff:203.0.113.7', true],
    ['2001:db8:1::', true],
    ['2001:db8:1:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db8:2::5', true],
    ['2001:DB8:2:0::5', true],
    ['2001:db8:2::6', false],
    ['2001:db8:3::', false],
    ['::a00:1', false], // 10.0.0.1 as an IPv4-compatible IPv6 address is IPv6, not IPv4
  ])('a multiple rule matches %s: %s', (address, expected) => {
    expect(rule.matches(ip(address))).toBe(expected);
  });

  it('matches nothing when empty', () => {
    const empty = compileRule([]);
    expect(empty.size).toBe(0);
    expect(empty.matches(ip('1.2.3.4'))).toBe(false);
    expect(empty.matches(ip('::1'))).toBe(false);
  });

  it('treats /0 as the whole family only', () => {
    const any4 = compileRule(['0.0.0.0/0']);
    expect(any4.matches(ip('8.8.8.8'))).toBe(true);
    expect(any4.matches(ip('2001:db8::1'))).toBe(false);
    const any6 = compileRule(['::/0']);
    expect(any6.matches(ip('2001:db8::1'))).toBe(true);
    expect(any6.matches(ip('::ffff:8.8.8.8'))).toBe(false);
  });

  it('accepts parsed Cidr values and de-duplicates equal networks', () => {
    const a = parseCidr('10.0.0.5/8');
    const b = parseCidr('::ffff:10.0.0.0/104');
    if (a === null || b === null) throw new Error('parse');
    const m = compileRule([a, b, parseCidr('10.0.0.0/8') ?? a]);
    expect(m.size).toBe(1);
    expect(m.entries.map((c) => c.canonical)).toEqual(['10.0.0.0/8']);
  });

  it('throws a descriptive error for an invalid entry, without echoing much of it', () => {
    expect(() => compileRule(['10.0.0.0/8', '012.0.0.1'])).toThrow(InvalidRuleEntryError);
    expect(() => compileRule(['10.0.0.0/8', '012.0.0.1'])).toThrow(/entry 1 \("012\.0\.0\.1"\)/);
    const long = 'x'.repeat(1000);
    try {
      compileRule([long]);
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(200);
    }
  });

  it('exposes frozen entries', () => {
    expect(Object.isFrozen(rule.entries)).toBe(true);
    expect(rule.size).toBe(4);
  });

  it('handles many entries of both families', () => {
    const entries: string[] = [];
    for (let i = 0; i < 200; i++) entries.push(`10.${i}.0.0/16`, `2001:db8:${i.toString(16)}::/48`);
    const m = compileRule(entries);
    expect(m.matches(ip('10.199.3.4'))).toBe(true);
    expect(m.matches(ip('10.200.3.4'))).toBe(false);
    expect(m.matches(ip('2001:db8:c7::1'))).toBe(true);
    expect(m.matches(ip('2001:db8:c8::1'))).toBe(false);
  });
});
