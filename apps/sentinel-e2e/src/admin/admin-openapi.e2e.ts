import { ADMIN_OPERATIONS } from '@sentinel/admin-contract';
import { api, login, relay, startCluster, type AdminCluster } from './admin-support';
import { schemaProblems, type Schema } from './json-schema';
import { describeWithServices } from '@sentinel/testing-support';

type Operation = {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
};
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

/** The admin API's OpenAPI document as an integrator fetches and uses it. */
describeWithServices(['postgres', 'redis'], 'GET /admin/api/openapi.json', () => {
  let cluster: AdminCluster | null = null;
  let base = '';
  let token = '';
  let doc: Doc;

  beforeAll(async () => {
    cluster = await startCluster(1);
    if (!cluster) return;
    base = cluster.instances[0].url;
    token = await login(base);
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const operation = (id: string) => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item))
        if (op.operationId === id) return { path, method: method.toUpperCase(), op };
    }
    throw new Error(`no operation ${id}`);
  };

  it('is refused without a token or with a bad one (401, the admin error shape)', async () => {
    if (!cluster) return;
    const none = await api<{ error: { code: string } }>(base, 'GET', 'openapi.json');
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthorized');
    const forged = await api(base, 'GET', 'openapi.json', {
      token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl',
    });
    expect(forged.status).toBe(401);
  });

  it('is served with a token: OpenAPI 3.1, one operation per contract operation', async () => {
    if (!cluster) return;
    const r = await api<Doc>(base, 'GET', 'openapi.json', { token });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('application/json');
    doc = r.json;
    expect(doc.openapi).toBe('3.1.0');
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids.sort()).toEqual(Object.keys(ADMIN_OPERATIONS).sort());
  });

  it('describes the live answers: bindings, dashboard, status and settings conform to their schemas', async () => {
    if (!cluster) return;
    expect(doc).toBeDefined();
    // One bound key, so the list and the dashboard have rows to check.
    expect((await relay(base, `sk-oa${'1'.repeat(46)}`, '127.0.0.9')).status).toBe(200);
    for (const id of ['listBindings', 'dashboard', 'status', 'getSettings', 'listAudit']) {
      const { path, method, op } = operation(id);
      const r = await api(base, method, path.replace('/admin/api/', ''), { token });
      expect({ id, status: r.status }).toEqual({ id, status: 200 });
      const schema = op.responses['200'].content?.['application/json'].schema as Schema;
      expect({ id, problems: schemaProblems(r.json, schema, doc) }).toEqual({ id, problems: [] });
    }
    const list = await api<{ items: unknown[] }>(base, 'GET', 'bindings', { token });
    expect(list.json.items).toHaveLength(1);
  });

  it('its request schemas describe what the server refuses', async () => {
    if (!cluster) return;
    const { op } = operation('setRule');
    const schema = op.requestBody?.content['application/json'].schema as Schema;
    const bad = { id: 'not-a-ref', ruleKind: 'some', entries: ['10.0.0.1'] };
    expect(schemaProblems(bad, schema, doc).length).toBeGreaterThan(0);
    const r = await api(base, 'PUT', 'bindings/ip', { token, body: bad });
    expect(r.status).toBe(400);
  });
});
