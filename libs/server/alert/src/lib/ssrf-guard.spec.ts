import { parseIp, type Ip } from '@sentinel/net';
import { forbiddenReason, resolveWebhookTarget, type Resolver } from './ssrf-guard';
import { checkWebhookTarget } from './webhook-client';

const ip = (s: string) => parseIp(s) as Ip;
const fixed =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((a) => ({ address: a, family: a.includes(':') ? 6 : 4 }));

describe('SSRF guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['64:ff9b::a9fe:a9fe', 'NAT64'],
    ['2002:7f00:1::1', '6to4 of loopback'],
  ])('%s is refused (%s)', (address, reason) => {
    expect(forbiddenReason(ip(address))).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '2002:808:808::1'])(
    '%s is public',
    (address) => {
      expect(forbiddenReason(ip(address))).toBeNull();
    },
  );

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::1]:9/hook',
    'http://0.0.0.0/',
    'http://localhost:8080/hook', // a name resolving to a loopback address (real DNS)
  ])('refuses %s by default', async (url) => {
    await expect(resolveWebhookTarget(url, false)).rejects.toThrow(/refused/);
  });

  it('checks every resolved address: one private answer refuses the name (DNS rebinding)', async () => {
    await expect(
      resolveWebhookTarget('https://hooks.example.com/x', false, fixed('93.184.216.34', '10.0.0.5')),
    ).rejects.toThrow(/hooks\.example\.com resolves to 10\.0\.0\.5, a private address/);
    await expect(
      resolveWebhookTarget('https://hooks.example.com/x', false, fixed('::ffff:192.168.0.1')),
    ).rejects.toThrow(/192\.168\.0\.1/);
  });

  it('returns the checked address to connect to', async () => {
    const t = await resolveWebhookTarget(
      'https://hooks.example.com/x?y=1',
      false,
      fixed('93.184.216.34', '2606:2800:220:1::1'),
    );
    expect(t).toMatchObject({ address: '93.184.216.34', family: 4 });
    expect(t.url.hostname).toBe('hooks.example.com');
  });

  it('allows private targets only when told to', async () => {
    await expect(resolveWebhookTarget('http://127.0.0.1:1/hook', true)).resolves.toMatchObject({
      address: '127.0.0.1',
    });
    await expect(resolveWebhookTarget('http://[::ffff:127.0.0.1]:1/hook', true)).resolves.toMatchObject({
      address: '127.0.0.1',
      family: 4,
    });
  });

  it('refuses non-http schemes and unparsable URLs', async () => {
    await expect(resolveWebhookTarget('file:///etc/passwd', true)).rejects.toThrow(/http/);
    await expect(resolveWebhookTarget('gopher://x', true)).rejects.toThrow(/http/);
    await expect(resolveWebhookTarget('not a url', true)).rejects.toThrow(/not a valid URL/);
  });
});

describe('checkWebhookTarget (the one path delivery and the settings API both take)', () => {
  const failing: Resolver = async () => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
  };

  it.each([
    ['http://127.0.0.1/', 'refused: 127.0.0.1, a loopback address'],
    ['http://0x7f.1/', 'refused: 127.0.0.1, a loopback address'],
    ['http://2130706433/', 'refused: 127.0.0.1, a loopback address'],
    ['http://[::ffff:127.0.0.1]/', 'refused: ::ffff:7f00:1 resolves to 127.0.0.1, a loopback address'],
    ['http://169.254.169.254/latest/meta-data/', 'refused: 169.254.169.254, a link-local address'],
    ['http://[fd00::1]/', 'refused: fd00::1, a unique local address'],
  ])('%s → not retryable, "%s"', async (url, message) => {
    const r = await checkWebhookTarget(url, false, 1_000, failing);
    expect(r).toMatchObject({ ok: false, retryable: false, kind: 'forbidden' });
    expect(r.ok ? '' : r.error).toContain(message);
  });

  it('a name resolving to loopback is forbidden; a failed lookup is retryable; a public one passes', async () => {
    expect(await checkWebhookTarget('http://hooks.test/', false, 1_000, fixed('127.0.0.1'))).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining('hooks.test resolves to 127.0.0.1, a loopback address'),
    });
    expect(await checkWebhookTarget('http://hooks.test/', false, 1_000, failing)).toMatchObject({
      ok: false,
      retryable: true,
      kind: 'unresolved',
    });
    expect(await checkWebhookTarget('http://hooks.test/', false, 1_000, fixed('8.8.8.8'))).toMatchObject({ ok: true });
    expect(await checkWebhookTarget('http://127.0.0.1/', true, 1_000, failing)).toMatchObject({ ok: true });
  });
});
