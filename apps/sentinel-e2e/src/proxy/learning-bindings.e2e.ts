import type { BindingDetailResponse, SettingsResponse } from '@sentinel/admin-contract';
import { describeWithServices } from '@sentinel/testing-support';
import { api, eventually, relay, tokenIdOf, useCluster, type AdminCluster } from '../admin/admin-support';

const key = (n: number) => `lrn${String(n).padStart(45, '0')}`; // 48 chars like New API's keys

/**
 * Learning bindings end to end (issue 15, item 1): two built instances on real PostgreSQL and
 * Redis, clients on distinct loopback addresses (127.0.0.x, as the other e2e suites fake them).
 */
describeWithServices(['postgres', 'redis'], 'learning bindings on two instances (bindMaxAddresses)', () => {
  let cluster!: AdminCluster;
  let A = '';
  let B = '';
  let token = '';
  useCluster(2, (c) => ({ cluster, A, B, token } = c));

  /** Sets live settings on A and waits until B applies them too. */
  async function setSettings(values: Record<string, number>): Promise<void> {
    const put = await api<SettingsResponse>(A, 'PUT', 'settings', { token, body: { values } });
    expect(put.status).toBe(200);
    for (const base of [A, B]) {
      const seen = await eventually(
        () => api<SettingsResponse>(base, 'GET', 'settings', { token }),
        (r) => Object.entries(values).every(([k, v]) => r.json.settings.find((s) => s.key === k)?.value === v),
      );
      for (const [k, v] of Object.entries(values)) expect(seen.json.settings.find((s) => s.key === k)?.value).toBe(v);
    }
  }

  const interceptRows = async (tokenId: string) =>
    (await cluster.db.query(
      `SELECT host(client_ip) AS ip, reason, request_id FROM intercept_logs WHERE token_hash = $1`,
      [tokenId],
    )) as { ip: string; reason: string; request_id: string }[];

  it('bindMaxAddresses=3: 10 addresses first-use one key in parallel across both → exactly 3×200, 7×403 address_limit', async () => {
    await setSettings({ bindMaxAddresses: 3 });
    const k = key(1);
    const addresses = Array.from({ length: 10 }, (_, n) => `127.0.0.${n + 10}`);
    const results = await Promise.all(addresses.map((from, n) => relay(n % 2 === 0 ? A : B, k, from)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 403)).toHaveLength(7);
    const allowed = addresses.filter((_, n) => statuses[n] === 200);
    const denied = addresses.filter((_, n) => statuses[n] === 403);
    for (const r of results.filter((x) => x.status === 403)) {
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'access_denied', type: 'new_api_error' } });
      expect(r.body).toContain('address_limit');
    }
    // Each 403 has its intercept row, reason address_limit.
    const rows = await eventually(
      () => interceptRows(tokenIdOf(k)),
      (r) => r.length >= 7,
    );
    expect(rows.map((r) => r.reason)).toEqual(Array(7).fill('address_limit'));
    expect(rows.map((r) => r.ip).sort()).toEqual([...denied].sort());

    // Both instances agree on the learnt set: the API on each, and every address's answer on each.
    for (const base of [A, B]) {
      const d = await api<BindingDetailResponse>(base, 'GET', `bindings/${tokenIdOf(k)}`, { token });
      expect(d.status).toBe(200);
      expect([...d.json.binding.ruleEntries].sort()).toEqual(allowed.map((a) => `${a}/32`).sort());
      expect(d.json.binding.learning).toBe(true);
      for (const from of addresses) {
        const r = await relay(base, k, from);
        expect([base === A ? 'A' : 'B', from, r.status]).toEqual([
          base === A ? 'A' : 'B',
          from,
          allowed.includes(from) ? 200 : 403,
        ]);
      }
    }
  });

  it('bindMaxAddresses=5, bindLearnWindowSeconds=2: a new address 3 s after first use is denied (address_limit)', async () => {
    await setSettings({ bindMaxAddresses: 5, bindLearnWindowSeconds: 2 });
    const k = key(2);
    expect((await relay(A, k, '127.0.0.30')).status).toBe(200);
    expect((await relay(B, k, '127.0.0.31')).status).toBe(200); // inside the window: learnt
    await new Promise((r) => setTimeout(r, 3_000));
    const late = await relay(B, k, '127.0.0.32');
    expect(late.status).toBe(403);
    expect(late.body).toContain('address_limit');
    expect((await relay(A, k, '127.0.0.33')).status).toBe(403);
    expect((await relay(A, k, '127.0.0.31')).status).toBe(200); // what was learnt stays
    const rows = await eventually(
      () => interceptRows(tokenIdOf(k)),
      (r) => r.length >= 2,
    );
    expect(rows.map((r) => [r.ip, r.reason]).sort()).toEqual([
      ['127.0.0.32', 'address_limit'],
      ['127.0.0.33', 'address_limit'],
    ]);
    const d = await api<BindingDetailResponse>(A, 'GET', `bindings/${tokenIdOf(k)}`, { token });
    expect([...d.json.binding.ruleEntries].sort()).toEqual(['127.0.0.30/32', '127.0.0.31/32']);
  });
});
