import type {
  AlertDeliveriesResponse,
  AlertTestResponse,
  ArchiveRunResponse,
  ArchiveRunsResponse,
  AuditListResponse,
} from '@sentinel/admin-contract';
import { api, login, relay, startCluster, type AdminCluster } from './admin-support';
import { describeWithServices } from '@sentinel/testing-support';

/** What an admin triggers by hand from the console's settings page. */
describeWithServices(['postgres', 'redis'], 'admin operations: test alert and archive run', () => {
  let cluster: AdminCluster | null;
  let base: string;
  let token: string;

  beforeAll(async () => {
    cluster = await startCluster(1);
    if (!cluster) return;
    base = cluster.instances[0].url;
    token = await login(base);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('sends a test alert and records the outcome; the SSRF guard refuses a loopback target by default', async () => {
    if (!cluster) return;
    // Saving a loopback URL is refused by the settings API (issue 17.7) …
    const refused = await api(base, 'PUT', 'settings', {
      token,
      body: { values: { alertWebhookUrl: 'http://127.0.0.1:9/hook' } },
    });
    expect(refused.status).toBe(400);
    // … so it is stored behind the API's back (as a name whose DNS changed would be): delivery
    // still refuses it. A save of another setting makes the instance re-read the table.
    await cluster.db.query(
      `INSERT INTO runtime_settings (key, value, updated_by) VALUES ('alertWebhookUrl', '"http://127.0.0.1:9/hook"'::jsonb, 'test')`,
    );
    const set = await api(base, 'PUT', 'settings', { token, body: { values: { alertThresholdCount: 5 } } });
    expect(set.status).toBe(200);
    const r = await api<AlertTestResponse>(base, 'POST', 'alerts/test', { token });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'failed', attempts: 1, httpStatus: null });
    expect(r.json.error).toMatch(/loopback/);
    const deliveries = await api<AlertDeliveriesResponse>(base, 'GET', 'alerts/deliveries', { token });
    expect(deliveries.json.items[0]).toMatchObject({ status: 'failed', attempts: 1 });
    const audit = await api<AuditListResponse>(base, 'GET', 'audit?action=alert.test', { token });
    expect(audit.json.items).toHaveLength(1);
  });

  it('runs the archive job now, archives what is old and lists the run', async () => {
    if (!cluster) return;
    const key = `sk-${'archivenow'.repeat(4)}00000000`;
    expect((await relay(base, key, '127.0.0.2')).status).toBe(200);
    // Age the binding past ARCHIVE_DAYS (90 by default).
    await cluster.db.query(
      `UPDATE token_bindings SET last_used_at = now() - interval '120 days', created_at = now() - interval '120 days'`,
    );
    const r = await api<ArchiveRunResponse>(base, 'POST', 'archive/run', { token });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'completed', error: null });
    expect(r.json.rowsArchived).toBeGreaterThanOrEqual(1);
    const archived = await cluster.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM archived_bindings`);
    expect(archived[0].n).toBeGreaterThanOrEqual(1);
    const runs = await api<ArchiveRunsResponse>(base, 'GET', 'archive/runs', { token });
    expect(runs.json.items[0]).toMatchObject({ rowsArchived: r.json.rowsArchived, error: null });
    // As in the original: the token binds again on its next request, from anywhere.
    expect((await relay(base, key, '127.0.0.3')).status).toBe(200);
    const audit = await api<AuditListResponse>(base, 'GET', 'audit?action=archive.run', { token });
    expect(audit.json.items).toHaveLength(1);
  });

  it('both need an admin token', async () => {
    if (!cluster) return;
    expect((await api(base, 'POST', 'alerts/test')).status).toBe(401);
    expect((await api(base, 'POST', 'archive/run')).status).toBe(401);
  });
});
