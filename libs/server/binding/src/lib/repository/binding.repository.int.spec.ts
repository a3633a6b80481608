import { randomBytes } from 'node:crypto';
import { describeEachBackend } from '@sentinel/server-storage/testing';
import type { InterceptEvent } from '../events/binding-events';
import { BindingRepository } from './binding.repository';

/**
 * The batch writers of the hot path's bookkeeping, on both backends: the last-use flush and the
 * intercept batch (whose trigger maintains token_bindings.intercept_count) write the same binding
 * rows from different timers — on every instance — so they must never deadlock.
 */
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

describeEachBackend('BindingRepository batch writers on %s', (backend) => {
  let repo: BindingRepository;

  beforeAll(async () => {
    repo = new BindingRepository(backend().dataSource);
  }, 120_000);

  async function bind(tokenHash: string): Promise<void> {
    const found = await repo.findOrBind(tokenHash, 'sk-ab12…9xyz', '198.51.100.1/32', '198.51.100.1');
    expect(found?.created).toBe(true);
  }
  async function row(tokenHash: string): Promise<{ last_used_at: Date; last_ip: string; intercept_count: string }> {
    const rows = await backend().dataSource.query(
      `SELECT last_used_at, host(last_ip) AS last_ip, intercept_count::text FROM token_bindings WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0];
  }

  it('the last-use flush only moves last_used_at forward', async () => {
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
    const a = hash();
    await bind(a);
    const batch = [intercept(a), intercept(a), intercept(a)];
    await repo.insertIntercepts(batch);
    await repo.insertIntercepts(batch); // the same request ids: a retry after a lost reply
    expect((await row(a)).intercept_count).toBe('3');
  });

  it('usage flushes and intercept batches over the same bindings, in opposite orders, never deadlock', async () => {
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
    expect(
      outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason)),
    ).toEqual([]);
    for (const t of [tokens[0], tokens[39]]) expect((await row(t)).intercept_count).toBe(String(rounds));
  }, 120_000);
});

describeEachBackend('BindingRepository.findOrBind on %s', (backend, kind) => {
  // Two sessions are needed for the race: the embedded database has one.
  const withTwoSessions = kind === 'postgres' ? it : it.skip;
  let repo: BindingRepository;

  beforeAll(async () => {
    repo = new BindingRepository(backend().dataSource);
  }, 120_000);

  const lastId = async (): Promise<string> =>
    (await backend().dataSource.query(`SELECT last_value::text AS v FROM token_bindings_id_seq`))[0].v;

  it('binds a new token; an existing one comes back unchanged with created false, inserting nothing', async () => {
    const h = hash();
    const first = await repo.findOrBind(h, 'sk-ab12…9xyz', '198.51.100.1/32', '198.51.100.1');
    expect(first?.created).toBe(true);
    expect(first?.state).toMatchObject({
      tokenHash: h,
      ruleKind: 'single',
      ruleEntries: ['198.51.100.1/32'],
      status: 'active',
    });
    const idAfterBind = await lastId();
    // Another address, same token: the stored row, not a second binding.
    const second = await repo.findOrBind(h, 'sk-ab12…9xyz', '198.51.100.2/32', '198.51.100.2');
    expect(second).toEqual({ state: first?.state, created: false });
    // The INSERT had no row to insert: no id was drawn from the sequence (the trigger did not run).
    expect(await lastId()).toBe(idAfterBind);
    expect(await repo.findByTokenHash(h)).toEqual(first?.state);
  });

  withTwoSessions(
    'the race loser (a first use committed after its snapshot) gets no row; the re-read sees the winner',
    async () => {
      const ds = backend().dataSource;
      const h = hash();
      const winner = ds.createQueryRunner();
      await winner.connect();
      try {
        await winner.startTransaction();
        await winner.query(
          `INSERT INTO token_bindings (token_hash, token_mask, rule_kind, rule_entries, first_ip)
         VALUES ($1, 'sk-win…ner1', 'single', '{198.51.100.10/32}', '198.51.100.10')`,
          [h],
        );
        const loser = repo.findOrBind(h, 'sk-los…ser1', '198.51.100.20/32', '198.51.100.20');
        // The loser's INSERT waits on the winner's uncommitted row (its snapshot predates the commit).
        let waiting = 0;
        for (let i = 0; i < 400 && waiting === 0; i++) {
          await new Promise((r) => setTimeout(r, 5));
          const rows = await ds.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH existing AS%'`,
          );
          waiting = rows[0].n;
        }
        expect(waiting).toBe(1);
        await winner.commitTransaction();
        expect(await loser).toBeNull();
        expect((await repo.findByTokenHash(h))?.ruleEntries).toEqual(['198.51.100.10/32']);
      } finally {
        if (winner.isTransactionActive) await winner.rollbackTransaction();
        await winner.release();
      }
    },
  );
});
