import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  createEmbeddedTestDataSource,
  createPostgresTestDataSource,
  postgresTier,
} from '@sentinel/server-storage/testing';
import type { InterceptEvent } from '../events/binding-events';
import { BindingRepository } from './binding.repository';

/**
 * The batch writers of the hot path's bookkeeping, on both backends: the last-use flush and the
 * intercept batch (whose trigger maintains token_bindings.intercept_count) write the same binding
 * rows from different timers — on every instance — so they must never deadlock.
 */
const backends: [string, () => Promise<{ ds: DataSource; close(): Promise<void> } | null>][] = [
  ['embedded PGlite', async () => {
    const db = await createEmbeddedTestDataSource();
    return { ds: db.dataSource, close: () => db.close() };
  }],
  ['PostgreSQL', async () => {
    if (postgresTier() === 'skip') return null;
    const db = await createPostgresTestDataSource();
    return { ds: db.dataSource, close: () => db.close() };
  }],
];

const hash = () => randomBytes(32).toString('hex');
let seq = 0;
const intercept = (tokenHash: string): InterceptEvent => ({
  tokenHash,
  tokenMask: 'sk-ab12…9xyz',
  clientIp: '203.0.113.9',
  ruleKind: 'single',
  ruleEntries: ['198.51.100.1/32'],
  bindingStatus: 'active',
  reason: 'ip_not_allowed',
  method: 'POST',
  path: '/v1/chat/completions',
  userAgent: null,
  requestId: `repo-int-${process.pid}-${++seq}`,
  at: new Date(),
});

describe.each(backends)('BindingRepository batch writers on %s', (_name, make) => {
  let backend: { ds: DataSource; close(): Promise<void> } | null;
  let repo: BindingRepository;

  beforeAll(async () => {
    backend = await make();
    if (backend) repo = new BindingRepository(backend.ds);
  }, 120_000);
  afterAll(async () => backend?.close());

  async function bind(tokenHash: string): Promise<void> {
    const state = await repo.insertFirstUse(tokenHash, 'sk-ab12…9xyz', '198.51.100.1/32', '198.51.100.1');
    expect(state).not.toBeNull();
  }
  async function row(tokenHash: string): Promise<{ last_used_at: Date; last_ip: string; intercept_count: string }> {
    const rows = await (backend as { ds: DataSource }).ds.query(
      `SELECT last_used_at, host(last_ip) AS last_ip, intercept_count::text FROM token_bindings WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0];
  }

  it('the last-use flush only moves last_used_at forward', async () => {
    if (!backend) return;
    const a = hash();
    const b = hash();
    await bind(a);
    await bind(b);
    const later = new Date(Date.now() + 60_000);
    const earlier = new Date(Date.now() - 3_600_000);
    await repo.touchMany([
      { tokenHash: a, ip: '198.51.100.7', at: later },
      { tokenHash: b, ip: '198.51.100.8', at: earlier },
      { tokenHash: hash(), ip: '198.51.100.9', at: later }, // unknown token: ignored
    ]);
    const ra = await row(a);
    const rb = await row(b);
    expect(new Date(ra.last_used_at).getTime()).toBe(later.getTime());
    expect(ra.last_ip).toBe('198.51.100.7');
    expect(new Date(rb.last_used_at).getTime()).toBeGreaterThan(earlier.getTime()); // kept its bind time
    expect(rb.last_ip).toBe('198.51.100.1');
  });

  it('intercept batches count per binding, and a retried batch counts nothing twice', async () => {
    if (!backend) return;
    const a = hash();
    await bind(a);
    const batch = [intercept(a), intercept(a), intercept(a)];
    await repo.insertIntercepts(batch);
    await repo.insertIntercepts(batch); // the same request ids: a retry after a lost reply
    expect((await row(a)).intercept_count).toBe('3');
  });

  it('usage flushes and intercept batches over the same bindings, in opposite orders, never deadlock', async () => {
    if (!backend) return;
    const tokens = Array.from({ length: 40 }, hash);
    for (const t of tokens) await bind(t);
    const reversed = [...tokens].reverse();
    const rounds = 15;
    const work: Promise<void>[] = [];
    for (let r = 0; r < rounds; r++) {
      const at = new Date(Date.now() + r * 1000);
      work.push(repo.touchMany(tokens.map((tokenHash) => ({ tokenHash, ip: '198.51.100.2', at }))));
      work.push(repo.insertIntercepts(reversed.map(intercept)));
    }
    const outcomes = await Promise.allSettled(work);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
    for (const t of [tokens[0], tokens[39]]) expect((await row(t)).intercept_count).toBe(String(rounds));
  }, 120_000);
});
