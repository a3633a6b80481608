import { parseIp } from '@sentinel/net';
import {
  compileBinding,
  evaluate,
  firstUseEntry,
  normaliseRule,
  RuleValidationError,
  type BindingState,
} from './binding-rule';

const ip = (s: string) => {
  const parsed = parseIp(s);
  if (!parsed) throw new Error(`bad test ip ${s}`);
  return parsed;
};

const binding = (over: Partial<BindingState>) =>
  compileBinding({
    id: '1',
    tokenHash: 'h',
    tokenMask: 'm',
    ruleKind: 'single',
    ruleEntries: ['10.0.0.1/32'],
    status: 'active',
    version: 1,
    ...over,
  });

describe('binding rules', () => {
  it('single: the bound address passes, another is refused', () => {
    const b = binding({ ruleEntries: ['10.0.0.1/32'] });
    expect(evaluate(b, ip('10.0.0.1'))).toBe('allow');
    expect(evaluate(b, ip('10.0.0.2'))).toBe('ip_not_allowed');
    expect(evaluate(b, ip('::ffff:10.0.0.1'))).toBe('allow');
  });

  it('single CIDR covers its range, edges included', () => {
    const b = binding({ ruleEntries: ['192.168.1.0/24'] });
    expect(evaluate(b, ip('192.168.1.0'))).toBe('allow');
    expect(evaluate(b, ip('192.168.1.255'))).toBe('allow');
    expect(evaluate(b, ip('192.168.2.0'))).toBe('ip_not_allowed');
  });

  it('multiple: any listed address or range passes', () => {
    const b = binding({ ruleKind: 'multiple', ruleEntries: ['10.0.0.1/32', '2001:db8::/64'] });
    expect(evaluate(b, ip('10.0.0.1'))).toBe('allow');
    expect(evaluate(b, ip('2001:db8::abcd'))).toBe('allow');
    expect(evaluate(b, ip('2001:db9::1'))).toBe('ip_not_allowed');
  });

  it('all passes anything; banned refuses everything, even "all"', () => {
    expect(evaluate(binding({ ruleKind: 'all', ruleEntries: [] }), ip('8.8.8.8'))).toBe('allow');
    expect(evaluate(binding({ ruleKind: 'all', ruleEntries: [], status: 'banned' }), ip('8.8.8.8'))).toBe('banned');
    expect(evaluate(binding({ status: 'banned' }), ip('10.0.0.1'))).toBe('banned');
  });

  it('first use binds the exact IPv4 address and the IPv6 /64 by default', () => {
    expect(firstUseEntry(ip('203.0.113.7'), 32, 64)).toBe('203.0.113.7/32');
    expect(firstUseEntry(ip('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), 32, 64)).toBe('2001:db8:1:2::/64');
    expect(firstUseEntry(ip('203.0.113.7'), 24, 64)).toBe('203.0.113.0/24');
    expect(firstUseEntry(ip('::ffff:203.0.113.7'), 32, 64)).toBe('203.0.113.7/32');
  });

  describe('normaliseRule', () => {
    it('canonicalises and de-duplicates', () => {
      expect(normaliseRule('multiple', ['10.0.0.1', ' 10.0.0.1/32', '2001:DB8::/64'])).toEqual([
        '10.0.0.1/32',
        '2001:db8::/64',
      ]);
      expect(normaliseRule('single', ['10.1.2.0/24'])).toEqual(['10.1.2.0/24']);
      expect(normaliseRule('all', [])).toEqual([]);
    });

    it.each([
      ['single', ['10.0.0.1', '10.0.0.2']],
      ['single', []],
      ['multiple', []],
      ['multiple', ['10.0.0.1', '012.0.0.1']],
      ['multiple', ['1.2.3.4:80']],
      ['all', ['10.0.0.1']],
      ['multiple', Array.from({ length: 257 }, (_, i) => `10.0.${i >> 8}.${i & 255}`)],
    ] as const)('%s %j is refused with a clear message', (kind, entries) => {
      expect(() => normaliseRule(kind, entries)).toThrow(RuleValidationError);
    });
  });
});
