import { randomBytes } from 'node:crypto';
import { describeEachBackend } from '@sentinel/server-storage/testing';
import { LogsRepository } from './logs.repository';

/**
 * The dashboard's "keys seen from many addresses" panel (issue 15, item 5): one grouped query
 * over intercept_logs lists a key refused (ip_not_allowed / address_limit) from at least the
 * threshold's distinct addresses within the window, and nothing else.
 */
const WINDOW_SECONDS = 3600;
const THRESHOLD = 3;
const key = () => randomBytes(32).toString('hex');

describeEachBackend('shared keys panel query on %s', (backend) => {
  let logs: LogsRepository;
  const tokens = { two: key(), three: key(), old: key(), banned: key(), repeated: key() };

  const refuse = async (token: string, ip: string, reason: string, agoSeconds = 10) =>
    backend().dataSource.query(
      `INSERT INTO intercept_logs (token_hash, token_mask, client_ip, rule_kind, binding_status, reason, method, path, created_at)
       VALUES ($1, 'sk-shar…' || substr($1, 1, 4), $2::inet, 'single', $3, $4, 'GET', '/v1/models',
               now() - make_interval(secs => $5))`,
      [token, ip, reason === 'banned' ? 'banned' : 'active', reason, agoSeconds],
    );

  beforeAll(async () => {
    logs = new LogsRepository(backend().dataSource);
    // Two distinct addresses: below the threshold.
    await refuse(tokens.two, '198.51.100.1', 'ip_not_allowed');
    await refuse(tokens.two, '198.51.100.2', 'address_limit');
    // Three distinct addresses, both counted reasons.
    await refuse(tokens.three, '198.51.100.1', 'ip_not_allowed');
    await refuse(tokens.three, '198.51.100.2', 'address_limit');
    await refuse(tokens.three, '198.51.100.3', 'ip_not_allowed', 5);
    // Three addresses, but one refusal is older than the window.
    await refuse(tokens.old, '198.51.100.1', 'ip_not_allowed');
    await refuse(tokens.old, '198.51.100.2', 'ip_not_allowed');
    await refuse(tokens.old, '198.51.100.3', 'ip_not_allowed', WINDOW_SECONDS + 60);
    // Three addresses, one of them a banned key's refusal (says nothing new).
    await refuse(tokens.banned, '198.51.100.1', 'ip_not_allowed');
    await refuse(tokens.banned, '198.51.100.2', 'ip_not_allowed');
    await refuse(tokens.banned, '198.51.100.3', 'banned');
    // Many refusals from two addresses: distinct addresses count, not refusals.
    for (let i = 0; i < 4; i++) await refuse(tokens.repeated, `198.51.100.${1 + (i % 2)}`, 'ip_not_allowed');
  });

  const listed = async () =>
    new Map(
      (await logs.sharedKeys(WINDOW_SECONDS, THRESHOLD, 1000))
        .filter((i) => Object.values(tokens).includes(i.tokenId))
        .map((i) => [i.tokenId, i]),
    );

  it('lists a key refused from 3 distinct addresses, with its count, mask and last time', async () => {
    const item = (await listed()).get(tokens.three);
    expect(item).toEqual({
      tokenId: tokens.three,
      tokenMask: `sk-shar…${tokens.three.slice(0, 4)}`,
      distinctAddresses: 3,
      lastAt: expect.any(String),
    });
    expect(Date.parse(item?.lastAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('does not list a key refused from 2 addresses, however many times', async () => {
    const found = await listed();
    expect(found.has(tokens.two)).toBe(false);
    expect(found.has(tokens.repeated)).toBe(false);
  });

  it('does not count a refusal outside the window', async () => {
    expect((await listed()).has(tokens.old)).toBe(false);
    // A wider window reaches it.
    const wide = await logs.sharedKeys(WINDOW_SECONDS * 2, THRESHOLD, 1000);
    expect(wide.map((i) => i.tokenId)).toContain(tokens.old);
  });

  it('does not count a banned key refusal', async () => {
    expect((await listed()).has(tokens.banned)).toBe(false);
  });

  it('orders by distinct count and honours the limit', async () => {
    await refuse(tokens.three, '198.51.100.4', 'address_limit');
    const all = await logs.sharedKeys(WINDOW_SECONDS, 2, 1000);
    const counts = all.map((i) => i.distinctAddresses);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(await logs.sharedKeys(WINDOW_SECONDS, 2, 1)).toHaveLength(1);
  });
});
