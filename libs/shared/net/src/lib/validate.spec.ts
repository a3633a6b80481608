import { validateRuleEntry } from './validate';

function errorOf(input: string): string {
  const result = validateRuleEntry(input);
  if (result.ok) throw new Error(`${input} was accepted`);
  return result.error;
}

describe('validateRuleEntry', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7/32'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['::/0', '::/0'],
    ['0.0.0.0/0', '0.0.0.0/0'],
  ])('accepts %s as %s without a notice', (input, canonical) => {
    const result = validateRuleEntry(input);
    expect(result).toEqual({ ok: true, cidr: expect.objectContaining({ canonical }) });
  });

  it('says when host bits were cleared', () => {
    const result = validateRuleEntry('10.0.0.5/8');
    expect(result.ok && result.notice).toBe('normalised 10.0.0.5/8 → 10.0.0.0/8 (bits right of the /8 mask cleared)');
  });

  it('says when an IPv4-mapped entry became IPv4', () => {
    const result = validateRuleEntry('::ffff:10.0.0.0/104');
    expect(result.ok && result.notice).toBe(
      'normalised ::ffff:10.0.0.0/104 → 10.0.0.0/8 (IPv4-mapped IPv6 is stored as IPv4)',
    );
  });

  it.each([
    ['', /Enter an IP address/],
    ['012.0.0.1', /leading zero/],
    ['10.0.0.01/8', /leading zero/],
    ['0x7f.0.0.1', /Hexadecimal/],
    ['0x7f000001', /Hexadecimal/],
    ['127.0.0.ff', /Hexadecimal octets/],
    ['2130706433', /Integer IPv4/],
    ['127.1', /Shortened IPv4/],
    ['1.2.3.4.5', /exactly four octets/],
    ['1..2.3', /empty octet/],
    ['1.2.3.256', /out of range \(0–255\)/],
    ['1.2.3.4:80', /Ports are not allowed/],
    ['[::1]:443', /brackets/],
    ['[2001:db8::1]', /brackets/],
    ['fe80::1%eth0', /Zone ids/],
    [' 10.0.0.0/8', /Remove the spaces.*without them: 10\.0\.0\.0\/8/],
    ['10.0.0.0 /8', /Remove the spaces/],
    ['1.2.3.4/33', /between 0 and 32 for IPv4/],
    ['::/129', /between 0 and 128 for IPv6/],
    ['1.2.3.4/08', /without leading zeros \(\/8, not \/08\)/],
    ['1.2.3.4/', /missing/],
    ['1.2.3.4/abc', /whole number/],
    ['1.2.3.4/8/8', /Only one "\/"/],
    ['/8', /address before "\/" is missing/],
    ['1::2::3', /"::" may appear only once/],
    ['1:::3', /"::" may appear only once/],
    ['12345::1', /at most four hex digits/],
    ['2001:db8:g::1', /not a hexadecimal digit/],
    ['1:2:3:4:5:6:7', /eight groups/],
    ['1:2:3:4:5:6:7:8:9', /eight groups/],
    [':1:2::', /single ":"/],
    ['::ffff:1.2.3.256', /IPv4 part .* out of range/],
    ['::ffff:01.2.3.4', /IPv4 part .* leading zero/],
    ['hello', /not a decimal octet|Shortened/],
    ['1.2.3.4\u0000', /cannot appear/],
    ['x'.repeat(200), /Too long/],
  ])('explains %j', (input, message) => {
    expect(errorOf(input)).toMatch(message);
  });

  it('never echoes more than a short fragment of the input', () => {
    expect(errorOf(`1.2.3.${'9'.repeat(40)}`).length).toBeLessThan(160);
  });

  it('refuses non-strings', () => {
    expect(validateRuleEntry(42 as unknown as string).ok).toBe(false);
  });
});
