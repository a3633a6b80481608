import { isIP, isIPv4 } from 'node:net';
import fc from 'fast-check';
import { formatV6, ipEquals, ipToBytes, parseIp } from './ip';

describe('parseIp — IPv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['127.0.0.1', 0x7f000001],
    ['255.255.255.255', 0xffffffff],
    ['10.0.0.5', 0x0a000005],
    ['192.168.100.200', 0xc0a864c8],
  ])('accepts %s', (text, value) => {
    const ip = parseIp(text);
    expect(ip).toEqual({ family: 4, w0: 0, w1: 0, w2: 0, w3: value, canonical: text });
  });

  // security-cases.md case 4 and the netmask CVE-2021-28918 class.
  it.each([
    ['012.0.0.1', 'leading zero (octal in inet_aton)'],
    ['127.0.0.01', 'leading zero in the last octet'],
    ['00.0.0.0', 'double zero'],
    ['0x7f.0.0.1', 'hex octet'],
    ['0x7f000001', 'hex integer'],
    ['2130706433', 'integer form'],
    ['017700000001', 'octal integer'],
    ['127.1', 'shortened form'],
    ['127.0.1', 'three parts'],
    ['1.2.3.4.5', 'five parts'],
    ['1.2.3.256', 'octet out of range'],
    ['1.2.3.1000', 'four digits'],
    ['1.2.3.4:80', 'port'],
    [' 1.2.3.4', 'leading space'],
    ['1.2.3.4 ', 'trailing space'],
    ['1.2.3.4\n', 'trailing newline'],
    ['1.2.3.', 'trailing dot'],
    ['.1.2.3', 'leading dot'],
    ['1..2.3', 'empty octet'],
    ['+1.2.3.4', 'sign'],
    ['-1.2.3.4', 'minus'],
    ['１.2.3.4', 'full-width digit'],
    ['1.2.3.4/32', 'prefix'],
    ['', 'empty'],
    ['localhost', 'name'],
  ])('refuses %j (%s)', (text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe('parseIp — IPv6', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0::1', '2001:db8::1'], // security-cases.md case 6
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['fe80::1', 'fe80::1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['::1.2.3.4', '::1.2.3.4'], // deprecated IPv4-compatible: PostgreSQL prints it dotted too
    ['::ffff:0:1.2.3.4', '::ffff:0:102:304'], // IPv4-translated, not mapped
  ])('accepts %s as %s', (text, canonical) => {
    const ip = parseIp(text);
    expect(ip?.family).toBe(6);
    expect(ip?.canonical).toBe(canonical);
  });

  it.each([
    ['fe80::1%eth0', 'zone id'],
    ['fe80::1%25eth0', 'URL-encoded zone id'],
    ['[::1]', 'brackets'],
    ['[::1]:80', 'brackets and port'],
    ['::1:80:', 'trailing colon'],
    [':1::', 'single leading colon'],
    ['1:::2', 'triple colon'],
    ['1::2::3', 'two gaps'],
    ['1:2:3:4:5:6:7:8:9', 'nine groups'],
    ['1:2:3:4:5:6:7:8::', 'eight groups and a gap'],
    ['::1:2:3:4:5:6:7:8', 'gap and eight groups'],
    ['1:2:3:4:5:6:7', 'seven groups'],
    ['12345::', 'five hex digits'],
    ['g::1', 'not hex'],
    ['::ffff:1.2.3', 'short IPv4 tail'],
    ['::ffff:01.2.3.4', 'leading zero in the IPv4 tail'],
    ['::ffff:1.2.3.4:5', 'port after IPv4 tail'],
    ['1.2.3.4::', 'IPv4 before groups'],
    ['1:2:3:4:5:6:7:1.2.3.4', 'IPv4 tail after seven groups'],
    [' ::1', 'leading space'],
    ['::1 ', 'trailing space'],
    [':', 'lone colon'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2550', 'overlong'],
  ])('refuses %j (%s)', (text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe('IPv4-mapped IPv6 (security-cases.md case 5)', () => {
  it.each([
    '::ffff:1.2.3.4',
    '::FFFF:1.2.3.4',
    '::ffff:102:304',
    '0:0:0:0:0:ffff:1.2.3.4',
    '0000:0000:0000:0000:0000:ffff:0102:0304',
  ])('%s is the IPv4 client 1.2.3.4', (text) => {
    const ip = parseIp(text);
    expect(ip).toEqual(parseIp('1.2.3.4'));
    expect(ip?.canonical).toBe('1.2.3.4');
  });

  it('keeps ::ffff:0.0.0.0 and ::ffff:255.255.255.255 as IPv4', () => {
    expect(parseIp('::ffff:0.0.0.0')?.canonical).toBe('0.0.0.0');
    expect(parseIp('::ffff:ffff:ffff')?.canonical).toBe('255.255.255.255');
  });
});

describe('RFC 5952 canonical text', () => {
  // RFC 5952 §4 and the examples in its text.
  it.each([
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: one zero group is not compressed
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: the longest run
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: the first of equal runs
    ['2001:0db8::0001', '2001:db8::1'], // §4.1: no leading zeros
    ['2001:DB8::AAAA', '2001:db8::aaaa'], // §4.3: lower case
    ['2001:db8::', '2001:db8::'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['1:0:1:0:0:1:0:0', '1:0:1::1:0:0'],
    ['0:0:1:0:0:0:1:0', '0:0:1::1:0'],
  ])('%s → %s', (text, canonical) => {
    expect(parseIp(text)?.canonical).toBe(canonical);
  });

  it('matches the WHATWG URL serialiser (pure RFC 5952) on random addresses', () => {
    const group = fc.oneof(
      fc.constant(0),
      fc.constant(0),
      fc.integer({ min: 0, max: 0xf }),
      fc.integer({ min: 0, max: 0xffff }),
    );
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (g) => {
        const text = g.map((x) => x.toString(16)).join(':');
        const ip = parseIp(text);
        if (ip === null) return false;
        if (ip.family === 4) return g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
        const whatwg = new URL(`http://[${text}]/`).hostname.slice(1, -1);
        // Only documented difference: ::a.b.c.d (PostgreSQL-compatible dotted tail).
        const dotted = g.slice(0, 6).every((x) => x === 0) && g[6] !== 0;
        return dotted
          ? ip.canonical === `::${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`
          : ip.canonical === whatwg;
      }),
      { seed: 5952, numRuns: 3000 },
    );
  });

  it('parses its own output back to the same address', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 255 }),
        (g, z) => {
          if (z % 2 === 0) g.fill(0, z % 8, Math.min(8, (z % 8) + (z % 5)));
          const words = [0, 2, 4, 6].map((i) => ((g[i] << 16) | g[i + 1]) >>> 0) as [number, number, number, number];
          const text = formatV6(...words);
          const back = parseIp(text);
          return (
            back !== null &&
            (back.family === 4 ||
              (back.w0 === words[0] &&
                back.w1 === words[1] &&
                back.w2 === words[2] &&
                back.w3 === words[3] &&
                back.canonical === text))
          );
        },
      ),
      { seed: 4291, numRuns: 3000 },
    );
  });
});

describe('agreement with Node (inet_pton) on generated text', () => {
  const hexGroup = fc.stringMatching(/^[0-9a-fA-F]{1,5}$/);
  const decOctet = fc.oneof(
    fc.integer({ min: 0, max: 300 }).map(String),
    fc.constantFrom('00', '01', '012', '255', '256'),
  );
  const v4 = fc.array(decOctet, { minLength: 3, maxLength: 5 }).map((o) => o.join('.'));
  const v6 = fc
    .tuple(
      fc.array(hexGroup, { minLength: 0, maxLength: 9 }),
      fc.integer({ min: -1, max: 9 }),
      fc.option(v4, { nil: undefined }),
    )
    .map(([gs, gap, tail]) => {
      const parts = [...gs];
      if (gap >= 0 && gap <= parts.length) parts.splice(gap, 0, '');
      let text = parts.join(':');
      if (gap === 0) text = `:${text}`;
      if (gap === parts.length - 1 && gap >= 0) text = `${text}:`;
      if (tail !== undefined) text = text.length > 0 && !text.endsWith(':') ? `${text}:${tail}` : `${text}${tail}`;
      return text;
    });

  it('accepts exactly what inet_pton accepts (IPv4)', () => {
    fc.assert(
      fc.property(v4, (text) => (parseIp(text) !== null) === isIPv4(text)),
      { seed: 1, numRuns: 5000 },
    );
  });

  it('accepts exactly what inet_pton accepts (IPv6, no zone ids)', () => {
    fc.assert(
      fc.property(v6, (text) => (parseIp(text) !== null) === (isIP(text) !== 0)),
      { seed: 2, numRuns: 10000 },
    );
  });
});

describe('robustness (security-cases.md case 31)', () => {
  it('never throws and answers the same every time', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const a = parseIp(s);
        const b = parseIp(s);
        return JSON.stringify(a) === JSON.stringify(b);
      }),
      { seed: 31, numRuns: 5000 },
    );
  });

  it('refuses non-strings and very long input', () => {
    expect(parseIp(undefined as unknown as string)).toBeNull();
    expect(parseIp('1'.repeat(10_000))).toBeNull();
    expect(parseIp(`::${'1:'.repeat(5000)}1`)).toBeNull();
  });
});

describe('helpers', () => {
  it('ipEquals compares family and bits', () => {
    const a = parseIp('2001:DB8:0::1');
    const b = parseIp('2001:db8::1');
    expect(a && b && ipEquals(a, b)).toBe(true);
    const c = parseIp('::ffff:10.0.0.1');
    const d = parseIp('10.0.0.1');
    expect(c && d && ipEquals(c, d)).toBe(true);
    const e = parseIp('::a00:1');
    expect(d && e && ipEquals(d, e)).toBe(false);
  });

  it('ipToBytes gives network order', () => {
    const must = (text: string) => {
      const ip = parseIp(text);
      if (ip === null) throw new Error(text);
      return ip;
    };
    expect(Array.from(ipToBytes(must('1.2.3.4')))).toEqual([1, 2, 3, 4]);
    expect(Array.from(ipToBytes(must('2001:db8::ff01')))).toEqual([
      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x01,
    ]);
  });
});
