import { cidrContains, hostCidr, parseCidr, prefixOf } from './cidr';
import { parseIp, type Ip } from './ip';

function ip(text: string): Ip {
  const parsed = parseIp(text);
  if (parsed === null) throw new Error(`test address ${text} does not parse`);
  return parsed;
}

function cidr(text: string) {
  const parsed = parseCidr(text);
  if (parsed === null) throw new Error(`test CIDR ${text} does not parse`);
  return parsed;
}

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8', '10.0.0.0/8', false],
    ['10.0.0.5/8', '10.0.0.0/8', '10.0.0.0/8', true],
    ['1.2.3.4', '1.2.3.4/32', '1.2.3.4', false],
    ['1.2.3.4/32', '1.2.3.4/32', '1.2.3.4', false],
    ['0.0.0.0/0', '0.0.0.0/0', '0.0.0.0/0', false],
    ['255.255.255.255/0', '0.0.0.0/0', '0.0.0.0/0', true],
    ['192.168.1.255/31', '192.168.1.254/31', '192.168.1.254/31', true],
    ['2001:db8::/32', '2001:db8::/32', '2001:db8::/32', false],
    ['2001:DB8::1/64', '2001:db8::/64', '2001:db8::/64', true],
    ['2001:db8::1', '2001:db8::1/128', '2001:db8::1', false],
    ['::/0', '::/0', '::/0', false],
    ['::1/128', '::1/128', '::1', false],
    ['ffff::/1', '8000::/1', '8000::/1', true],
    ['2001:db8:1:2:3:4:5:6/127', '2001:db8:1:2:3:4:5:6/127', '2001:db8:1:2:3:4:5:6/127', false],
    ['2001:db8:1:2:3:4:5:7/127', '2001:db8:1:2:3:4:5:6/127', '2001:db8:1:2:3:4:5:6/127', true],
  ])('%s → canonical %s, display %s, hostBitsSet %s', (text, canonical, display, hostBitsSet) => {
    const c = cidr(text);
    expect(c.canonical).toBe(canonical);
    expect(c.display).toBe(display);
    expect(c.hostBitsSet).toBe(hostBitsSet);
  });

  it.each([
    ['::ffff:10.0.0.0/104', '10.0.0.0/8', false],
    ['::ffff:10.0.0.5/104', '10.0.0.0/8', true],
    ['::ffff:1.2.3.4', '1.2.3.4/32', false],
    ['::ffff:1.2.3.4/128', '1.2.3.4/32', false],
    ['::ffff:0:0/96', '0.0.0.0/0', false],
    ['::ffff:a00:0/104', '10.0.0.0/8', false],
  ])('IPv4-mapped %s → %s', (text, canonical, hostBitsSet) => {
    const c = cidr(text);
    expect(c.family).toBe(4);
    expect(c.fromMapped).toBe(true);
    expect(c.canonical).toBe(canonical);
    expect(c.hostBitsSet).toBe(hostBitsSet);
  });

  it('keeps a mapped address with a prefix shorter than 96 as IPv6', () => {
    const c = cidr('::ffff:1.2.3.4/64');
    expect(c.family).toBe(6);
    expect(c.canonical).toBe('::/64');
    expect(c.hostBitsSet).toBe(true);
  });

  it.each([
    '1.2.3.4/33',
    '::/129',
    '1.2.3.4/08',
    '1.2.3.4/-1',
    '1.2.3.4/+8',
    '1.2.3.4/',
    '/8',
    '1.2.3.4/8/8',
    '1.2.3.4/ 8',
    '1.2.3.4 /8',
    '1.2.3.4/8 ',
    '1.2.3.4/0x8',
    '1.2.3.4/1000',
    '10/8',
    '10.0/16',
    '012.0.0.0/8',
    'fe80::/10%eth0',
    'fe80::%eth0/10',
    '[2001:db8::]/32',
    '',
  ])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeNull();
  });
});

describe('cidrContains (security-cases.md case 8)', () => {
  it.each([
    // /32 and /128: exactly one address
    ['1.2.3.4/32', '1.2.3.4', true],
    ['1.2.3.4/32', '1.2.3.5', false],
    ['1.2.3.4/32', '1.2.3.3', false],
    ['2001:db8::1/128', '2001:db8::1', true],
    ['2001:db8::1/128', '2001:db8::2', false],
    ['2001:db8::1/128', '2001:db8::', false],
    // first and last address of a range, and their neighbours
    ['10.0.0.0/8', '10.0.0.0', true],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '9.255.255.255', false],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['192.168.1.0/24', '192.168.1.0', true],
    ['192.168.1.0/24', '192.168.1.255', true],
    ['192.168.1.0/24', '192.168.2.0', false],
    ['192.168.1.0/24', '192.168.0.255', false],
    ['2001:db8::/32', '2001:db8::', true],
    ['2001:db8::/32', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db8::/32', '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', false],
    ['2001:db8::/32', '2001:db9::', false],
    ['2001:db8:0:1::/64', '2001:db8:0:1:ffff:ffff:ffff:ffff', true],
    ['2001:db8:0:1::/64', '2001:db8:0:2::', false],
    ['2001:db8::/127', '2001:db8::1', true],
    ['2001:db8::/127', '2001:db8::2', false],
    // the whole family
    ['0.0.0.0/0', '0.0.0.0', true],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['::/0', '::', true],
    ['::/0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    // families never mix
    ['0.0.0.0/0', '2001:db8::1', false],
    ['::/0', '1.2.3.4', false],
    ['::/0', '::ffff:1.2.3.4', false], // mapped is IPv4
    // mapped clients match IPv4 rules (security-cases.md case 5)
    ['10.0.0.0/8', '::ffff:10.0.0.5', true],
    ['::ffff:10.0.0.0/104', '10.0.0.5', true],
    ['::ffff:10.0.0.0/104', '::ffff:10.0.0.5', true],
    // upper-case IPv6 (security-cases.md case 6)
    ['2001:db8::1/128', '2001:DB8:0::1', true],
    ['2001:DB8:0::1', '2001:db8::1', true],
  ])('%s contains %s: %s', (net, address, expected) => {
    expect(cidrContains(cidr(net), ip(address))).toBe(expected);
  });

  it('uses the normalised network when the input had host bits set', () => {
    expect(cidrContains(cidr('10.0.0.5/8'), ip('10.200.0.1'))).toBe(true);
  });
});

describe('prefixOf', () => {
  it('gives an IPv6 client its /64', () => {
    const c = prefixOf(ip('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), 64);
    expect(c.canonical).toBe('2001:db8:1:2::/64');
    expect(c.hostBitsSet).toBe(true);
    expect(cidrContains(c, ip('2001:db8:1:2::9'))).toBe(true);
    expect(cidrContains(c, ip('2001:db8:1:3::9'))).toBe(false);
  });

  it('gives an IPv4 client its /32 (display = bare address)', () => {
    const c = prefixOf(ip('::ffff:203.0.113.7'), 32);
    expect(c).toMatchObject({
      family: 4,
      prefix: 32,
      canonical: '203.0.113.7/32',
      display: '203.0.113.7',
      hostBitsSet: false,
    });
  });

  it.each([
    ['203.0.113.7', 24, '203.0.113.0/24'],
    ['203.0.113.7', 0, '0.0.0.0/0'],
    ['2001:db8::1', 128, '2001:db8::1/128'],
    ['2001:db8::1', 0, '::/0'],
    ['2001:db8::1', 48, '2001:db8::/48'],
    ['2001:db8:abcd:ef01::1', 52, '2001:db8:abcd:e000::/52'],
  ])('%s/%i → %s', (address, bits, canonical) => {
    expect(prefixOf(ip(address), bits).canonical).toBe(canonical);
  });

  it.each([
    ['1.2.3.4', 33],
    ['1.2.3.4', -1],
    ['1.2.3.4', 8.5],
    ['::1', 129],
    ['::1', Number.NaN],
  ])('refuses %s/%d', (address, bits) => {
    expect(() => prefixOf(ip(address), bits)).toThrow(RangeError);
  });

  it('hostCidr is the single-address network', () => {
    expect(hostCidr(ip('2001:DB8::1')).canonical).toBe('2001:db8::1/128');
    expect(hostCidr(ip('1.2.3.4')).display).toBe('1.2.3.4');
  });
});
