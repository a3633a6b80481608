import { ClientIpResolver } from './client-ip';

const untrusting = new ClientIpResolver([]);
const behindNginx = new ClientIpResolver(['172.30.0.0/24', '::1/128']);

const ok = (r: ReturnType<ClientIpResolver['resolve']>) => (r.ok ? r.ip.canonical : `error: ${r.message}`);

describe('ClientIpResolver (security matrix, client IP cases)', () => {
  it('1. an untrusted peer’s X-Real-IP is ignored: the socket address is used', () => {
    expect(ok(untrusting.resolve('203.0.113.5', ['X-Real-IP', '1.2.3.4']))).toBe('203.0.113.5');
    expect(ok(behindNginx.resolve('203.0.113.5', ['X-Real-IP', '1.2.3.4']))).toBe('203.0.113.5');
  });

  it('2. a trusted peer with one valid X-Real-IP: that address', () => {
    expect(ok(behindNginx.resolve('172.30.0.9', ['x-real-ip', '198.51.100.7']))).toBe('198.51.100.7');
    expect(ok(behindNginx.resolve('::ffff:172.30.0.9', ['X-Real-IP', ' 2001:DB8::1 ']))).toBe('2001:db8::1');
  });

  it.each([
    ['no X-Real-IP', []],
    ['two X-Real-IP headers', ['X-Real-IP', '1.2.3.4', 'x-real-ip', '5.6.7.8']],
    ['a list on one line', ['X-Real-IP', '1.2.3.4, 5.6.7.8']],
    ['empty', ['X-Real-IP', '']],
  ])('3. a trusted peer with %s → refused, never its own address', (_name, headers) => {
    const r = behindNginx.resolve('172.30.0.9', headers);
    expect(r.ok).toBe(false);
  });

  it.each(['1.2.3.4:80', 'fe80::1%eth0', '012.0.0.1', '0x7f.0.0.1', '2130706433', '127.1', '[::1]'])(
    '4. X-Real-IP %s → refused',
    (value) => {
      expect(behindNginx.resolve('172.30.0.9', ['X-Real-IP', value]).ok).toBe(false);
    },
  );

  it('5/6. mapped and differently spelled addresses normalise', () => {
    expect(ok(untrusting.resolve('::ffff:1.2.3.4', []))).toBe('1.2.3.4');
    expect(ok(behindNginx.resolve('::1', ['X-Real-IP', '2001:DB8:0::1']))).toBe('2001:db8::1');
  });

  it('7. X-Forwarded-For never influences the decision', () => {
    expect(ok(untrusting.resolve('203.0.113.5', ['X-Forwarded-For', '1.1.1.1']))).toBe('203.0.113.5');
    expect(behindNginx.resolve('172.30.0.9', ['X-Forwarded-For', '1.1.1.1']).ok).toBe(false);
  });

  it('a peer outside the trusted range is never trusted, even as a mapped address', () => {
    expect(ok(behindNginx.resolve('::ffff:172.30.1.9', ['X-Real-IP', '1.2.3.4']))).toBe('172.30.1.9');
  });
});
