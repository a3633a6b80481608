import type { AuditListResponse, BindingBulkResponse, BindingListResponse } from '@sentinel/admin-contract';
import { randomBytes } from 'node:crypto';
import { describeWithServices } from '@sentinel/testing-support';
import { api, relay, useCluster, type AdminCluster } from './admin-support';

const newKey = () => `blk${randomBytes(23).toString('hex').slice(0, 45)}`;

/**
 * Labels and bulk operations (issue 15, items 3–4), on two built instances sharing real PostgreSQL
 * and Redis.
 */
describeWithServices(['postgres', 'redis'], 'labels and bulk operations (two instances)', () => {
  let cluster!: AdminCluster;
  let A = '';
  let B = '';
  let token = '';
  useCluster(2, (c) => ({ cluster, A, B, token } = c));

  it('a label and note are set, searched by the filter and audited', async () => {
    const k = newKey();
    expect((await relay(A, `sk-${k}`, '127.0.0.70')).status).toBe(200);
    const list = await api<BindingListResponse>(A, 'GET', 'bindings?ip=127.0.0.70', { token });
    const id = list.json.items[0].id;
    const put = await api(A, 'PUT', 'bindings/label', {
      token,
      body: { id, label: 'Team Kappa', note: 'billing: 42' },
    });
    expect(put.status).toBe(200);
    const byLabel = await api<BindingListResponse>(B, 'GET', 'bindings?label=kappa', { token });
    expect(byLabel.json.items.map((b) => [b.id, b.label])).toEqual([[id, 'Team Kappa']]);
    const byNote = await api<BindingListResponse>(B, 'GET', 'bindings?label=billing', { token });
    expect(byNote.json.items.map((b) => b.id)).toEqual([id]);
    expect((await api(A, 'PUT', 'bindings/label', { token, body: { id, label: 'x'.repeat(101) } })).status).toBe(400);
    const audit = await api<AuditListResponse>(A, 'GET', `audit?action=binding.set_label&targetId=${id}`, { token });
    expect(audit.json.items[0]).toMatchObject({
      action: 'binding.set_label',
      after: { label: 'Team Kappa', note: 'billing: 42' },
    });
  });

  it('bulk ban of 5,000 bindings selected by filter: enforced on both instances when the call returns, 5,000 audit rows', async () => {
    const c = cluster;
    // 5,000 pre-bound keys with one label (1,000 per call), four of them cached on each instance.
    const keys = Array.from({ length: 5_000 }, newKey);
    for (let i = 0; i < keys.length; i += 1_000) {
      const r = await api(A, 'POST', 'bindings', {
        token,
        body: {
          keys: keys.slice(i, i + 1_000).map((k) => `sk-${k}`),
          ruleKind: 'single',
          entries: ['127.0.0.80'],
          label: 'bulk-5000',
        },
      });
      expect(r.status).toBe(200);
    }
    const sample = [keys[0], keys[1], keys[2_500], keys[4_999]];
    for (const base of [A, B])
      for (const k of sample) expect((await relay(base, `sk-${k}`, '127.0.0.80')).status).toBe(200);

    const started = performance.now();
    const ban = await api<BindingBulkResponse>(B, 'POST', 'bindings/bulk', {
      token,
      body: { action: 'ban', filter: { label: 'bulk-5000' } },
    });
    const ms = performance.now() - started;
    console.log(
      `bulk ban of 5,000 bindings selected by filter: ${ms.toFixed(0)} ms (HTTP round trip, two-instance cluster)`,
    );
    expect(ban.status).toBe(200);
    expect(ban.json).toMatchObject({
      action: 'ban',
      matched: 5_000,
      done: 5_000,
      notFound: 0,
      failed: 0,
      propagated: 'all-instances',
    });
    // Enforced on both instances as soon as the call has returned (their L1 held the allow).
    for (const base of [A, B])
      for (const k of sample) expect((await relay(base, `sk-${k}`, '127.0.0.80')).status).toBe(403);
    const [{ n }] = await c.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM admin_audit WHERE action = 'binding.ban' AND (before->>'bulk')::boolean`,
    );
    expect(n).toBe(5_000);

    // By ids: unban two of them, one unknown id reported as not found.
    const ids = (
      await api<BindingListResponse>(A, 'GET', 'bindings?label=bulk-5000&pageSize=2', { token })
    ).json.items.map((b) => b.id);
    const unban = await api<BindingBulkResponse>(A, 'POST', 'bindings/bulk', {
      token,
      body: { action: 'unban', ids: [...ids, '999999999'] },
    });
    expect(unban.json.results).toEqual([
      { id: ids[0], outcome: 'done' },
      { id: ids[1], outcome: 'done' },
      { id: '999999999', outcome: 'not_found' },
    ]);
    expect((await api(A, 'POST', 'bindings/bulk', { token, body: { action: 'ban' } })).status).toBe(400);
  }, 120_000);
});
