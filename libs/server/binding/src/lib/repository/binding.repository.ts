import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, SentinelDataSource, pgArray, type PgPool } from '@sentinel/server-storage';
import type { BindingState, BindingStatus, RuleKind } from '../rules/binding-rule';
import type { InterceptEvent } from '../events/binding-events';

interface BindingRow {
  id: string;
  token_hash: string;
  token_mask: string;
  rule_kind: RuleKind;
  rule_entries: string[] | string;
  status: BindingStatus;
  version: number | string;
  learning: boolean;
  max_addresses: number | string | null;
  first_used_ms: number | string | null;
}

const COLUMNS = `id::text AS id, token_hash, token_mask, rule_kind,
  rule_entries::text[] AS rule_entries, status, version, learning, max_addresses,
  (extract(epoch FROM first_used_at) * 1000)::float8 AS first_used_ms`;

/** COLUMNS qualified by the alias `t` (an UPDATE … FROM that returns both sides). */
const T_COLUMNS = `t.id::text AS id, t.token_hash, t.token_mask, t.rule_kind,
  t.rule_entries::text[] AS rule_entries, t.status, t.version, t.learning, t.max_addresses,
  (extract(epoch FROM t.first_used_at) * 1000)::float8 AS first_used_ms`;

export function toState(row: BindingRow): BindingState {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    tokenMask: row.token_mask,
    ruleKind: row.rule_kind,
    ruleEntries: pgArray(row.rule_entries),
    status: row.status,
    version: Number(row.version),
    learning: row.learning === true,
    maxAddresses: row.max_addresses === null ? null : Number(row.max_addresses),
    firstUsedMs: row.first_used_ms === null ? null : Math.round(Number(row.first_used_ms)),
  };
}

/**
 * TypeORM's `query()` returns `[rows, rowCount]` for UPDATE and DELETE (rows alone otherwise);
 * this gives the RETURNING rows either way.
 */
function returning<T>(result: T[] | [T[], number]): T[] {
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/**
 * Lookup-or-first-use in one statement (see findOrBind). `existing` and the INSERT share the
 * statement's snapshot: a row committed before it is returned as is; one committed by a concurrent
 * first use after it makes ON CONFLICT do nothing and the statement return no row.
 */
const FIND_OR_BIND = {
  name: 'sentinel_binding_find_or_bind',
  text: `WITH existing AS (
    SELECT ${COLUMNS} FROM token_bindings WHERE token_hash = $1::text
  ), inserted AS (
    INSERT INTO token_bindings
      (token_hash, token_mask, rule_kind, rule_entries, status, first_ip, first_used_at,
       last_ip, last_used_at, version, learning)
    SELECT $1::text, $2::text, 'single', $3::text[]::cidr[], 'active', $4::inet, now(), $4::inet, now(), 1, true
     WHERE NOT EXISTS (SELECT 1 FROM existing)
    ON CONFLICT (token_hash) DO NOTHING
    RETURNING ${COLUMNS}
  )
  SELECT *, false AS created FROM existing
  UNION ALL
  SELECT *, true AS created FROM inserted`,
};

/**
 * A learning binding learns one address, atomically across instances: ONE conditional UPDATE adds
 * the entry only while the binding is still learning, under its cap (its own max_addresses, else
 * the live setting $3) and inside its learning window ($4 seconds from first use; 0 = none). Two
 * racing learners serialise on the row lock and the second re-checks the cap on the row the first
 * committed (READ COMMITTED re-evaluates the WHERE clause), so no race can learn cap + 1. No lock
 * is held past the statement. When nothing was learnt the current row comes back unchanged
 * (`learnt: false`); it may predate a concurrent learner's commit, so the caller re-reads before it
 * denies.
 */
const LEARN = {
  name: 'sentinel_binding_learn',
  text: `WITH learnt AS (
    UPDATE token_bindings t
       SET rule_kind = 'multiple', rule_entries = t.rule_entries || $2::cidr
     WHERE t.token_hash = $1::text AND t.learning AND t.status = 'active' AND t.rule_kind <> 'all'
       AND NOT ($2::cidr = ANY (t.rule_entries))
       AND cardinality(t.rule_entries) < coalesce(t.max_addresses, $3::int)
       AND ($4::int = 0 OR t.first_used_at IS NULL OR t.first_used_at + make_interval(secs => $4::int) > now())
    RETURNING ${COLUMNS}
  )
  SELECT *, true AS learnt FROM learnt
  UNION ALL
  SELECT ${COLUMNS}, false AS learnt FROM token_bindings
   WHERE token_hash = $1::text AND NOT EXISTS (SELECT 1 FROM learnt)`,
};

/** `{"a","b"}` literal for one row's cidr[] inside an unnest() of text. */
function arrayLiteral(entries: readonly string[]): string {
  return `{${entries.map((e) => `"${e}"`).join(',')}}`;
}

export interface UsageTouch {
  tokenHash: string;
  ip: string;
  at: Date;
}

/**
 * All binding I/O. Plain parameterised SQL: the first-use insert, the race loser's re-read and
 * the batched bookkeeping are single statements that an ORM would only obscure.
 */
@Injectable()
export class BindingRepository {
  private pool: PgPool | null | undefined;

  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async findByTokenHash(tokenHash: string): Promise<BindingState | null> {
    const rows: BindingRow[] = await this.db.query(`SELECT ${COLUMNS} FROM token_bindings WHERE token_hash = $1`, [
      tokenHash,
    ]);
    return rows.length > 0 ? toState(rows[0]) : null;
  }

  async findById(id: string): Promise<BindingState | null> {
    if (!/^[0-9]{1,19}$/.test(id)) return null;
    const rows: BindingRow[] = await this.db.query(`SELECT ${COLUMNS} FROM token_bindings WHERE id = $1::bigint`, [id]);
    return rows.length > 0 ? toState(rows[0]) : null;
  }

  /**
   * The PostgreSQL tier of a lookup, and the first use if it is one, in one statement: the row if
   * it exists (`created: false`); else the atomic `INSERT … ON CONFLICT (token_hash) DO NOTHING
   * RETURNING` (`created: true`). Null when another request (on any instance) inserted the token
   * after this statement's snapshot was taken — the race loser — and the caller re-reads in a
   * separate statement, which sees the winner's commit.
   *
   * An existing row costs what a SELECT costs: the INSERT gets no row to insert, so neither the
   * BEFORE INSERT trigger nor the id/version sequences run.
   */
  async findOrBind(
    tokenHash: string,
    tokenMask: string,
    entry: string,
    clientIp: string,
  ): Promise<{ state: BindingState; created: boolean } | null> {
    const rows = await this.prepared<BindingRow & { created: boolean }>(FIND_OR_BIND, [
      tokenHash,
      tokenMask,
      [entry],
      clientIp,
    ]);
    return rows.length > 0 ? { state: toState(rows[0]), created: rows[0].created === true } : null;
  }

  /**
   * Learns `entry` for a learning binding if it is still under its cap (see LEARN): the row after
   * the statement and whether this call added the entry; null when the token has no binding.
   */
  async learn(
    tokenHash: string,
    entry: string,
    maxAddresses: number,
    windowSeconds: number,
  ): Promise<{ state: BindingState; learnt: boolean } | null> {
    const rows = await this.prepared<BindingRow & { learnt: boolean }>(LEARN, [
      tokenHash,
      entry,
      maxAddresses,
      windowSeconds,
    ]);
    return rows.length > 0 ? { state: toState(rows[0]), learnt: rows[0].learnt === true } : null;
  }

  /**
   * A hot-path statement on PostgreSQL runs as a named prepared statement on the pool's
   * connection (parsed and planned once per connection instead of per call, and without TypeORM's
   * per-query runner). The embedded database shares one session between successive clients, where
   * a named statement would outlive the client that prepared it: there it runs as a plain query.
   */
  private async prepared<T>(statement: { name: string; text: string }, values: unknown[]): Promise<T[]> {
    const pool = this.pgPool();
    if (pool === undefined) return this.db.query(statement.text, values);
    const result = await pool.query({ name: statement.name, text: statement.text, values });
    return result.rows as T[];
  }

  private pgPool(): PgPool | undefined {
    if (this.pool === undefined) {
      if (!this.db.isInitialized) return undefined; // not connected yet: decide on a later call
      this.pool = (this.db instanceof SentinelDataSource ? this.db.postgresPool() : undefined) ?? null;
    }
    return this.pool ?? undefined;
  }

  async updateRule(id: string, kind: RuleKind, entries: readonly string[]): Promise<BindingState | null> {
    const rows = returning<BindingRow>(
      await this.db.query(
        `UPDATE token_bindings
          SET rule_kind = $2, rule_entries = $3::text[]::cidr[], learning = false,
              version = version + 1, updated_at = now()
        WHERE id = $1::bigint
        RETURNING ${COLUMNS}`,
        [id, kind, entries],
      ),
    );
    return rows.length > 0 ? toState(rows[0]) : null;
  }

  /** A ban also ends learning for good (an unban does not resume it). */
  async setStatus(id: string, status: BindingStatus): Promise<BindingState | null> {
    const rows = returning<BindingRow>(
      await this.db.query(
        `UPDATE token_bindings
          SET status = $2, learning = learning AND $2 = 'active', version = version + 1, updated_at = now()
        WHERE id = $1::bigint
        RETURNING ${COLUMNS}`,
        [id, status],
      ),
    );
    return rows.length > 0 ? toState(rows[0]) : null;
  }

  /**
   * Binds keys before their first use, in one statement: a row per token id with the admin's rule
   * and no first use yet. Without `replace`, an already bound token is left as it is and reported
   * as a conflict; with it, its rule, cap, label and learning are overwritten (status and history
   * kept). Token ids must be distinct.
   */
  async prebind(
    tokens: readonly { tokenHash: string; tokenMask: string }[],
    rule: { kind: RuleKind; entries: readonly string[]; maxAddresses: number | null; label: string | null },
    replace: boolean,
  ): Promise<{ tokenHash: string; id: string; tokenMask: string; outcome: 'created' | 'conflict' | 'replaced' }[]> {
    if (tokens.length === 0) return [];
    const learning = rule.maxAddresses !== null && rule.maxAddresses > 1 && rule.kind !== 'all';
    const onConflict = replace
      ? `DO UPDATE SET rule_kind = EXCLUDED.rule_kind, rule_entries = EXCLUDED.rule_entries,
           learning = EXCLUDED.learning, max_addresses = EXCLUDED.max_addresses, label = EXCLUDED.label`
      : 'DO NOTHING';
    const rows: { token_hash: string; id: string; token_mask: string; outcome: string }[] = await this.db.query(
      `WITH v AS (
         SELECT * FROM unnest($1::text[], $2::text[]) AS v(h, m)
       ), before AS (
         SELECT t.token_hash, t.id FROM token_bindings t JOIN v ON t.token_hash = v.h
       ), written AS (
         INSERT INTO token_bindings
           (token_hash, token_mask, rule_kind, rule_entries, status, first_ip, first_used_at, last_ip,
            last_used_at, learning, max_addresses, label)
         SELECT v.h, v.m, $3::text, $4::text[]::cidr[], 'active', NULL, NULL, NULL, NULL, $5::boolean,
                $6::smallint, $7::text
           FROM v
         ON CONFLICT (token_hash) ${onConflict}
         RETURNING token_hash, id::text AS id, token_mask
       )
       SELECT w.token_hash, w.id, w.token_mask,
              CASE WHEN b.token_hash IS NULL THEN 'created' ELSE 'replaced' END AS outcome
         FROM written w LEFT JOIN before b ON b.token_hash = w.token_hash
       UNION ALL
       SELECT t.token_hash, t.id::text, t.token_mask, 'conflict'
         FROM token_bindings t JOIN before b ON b.token_hash = t.token_hash
        WHERE NOT EXISTS (SELECT 1 FROM written w WHERE w.token_hash = t.token_hash)`,
      [
        tokens.map((t) => t.tokenHash),
        tokens.map((t) => t.tokenMask),
        rule.kind,
        rule.entries,
        learning,
        rule.maxAddresses,
        rule.label,
      ],
    );
    return rows.map((r) => ({
      tokenHash: r.token_hash,
      id: r.id,
      tokenMask: r.token_mask,
      outcome: r.outcome as 'created' | 'conflict' | 'replaced',
    }));
  }

  /**
   * One bulk action on a batch of bindings by id, in one statement: the rows before and after
   * (after is null for an unbind). Ids not found are simply absent.
   */
  async bulk(
    ids: readonly string[],
    change:
      | { action: 'ban' | 'unban' | 'unbind' }
      | { action: 'set_label'; label: string | null }
      | { action: 'set_max_addresses'; maxAddresses: number | null },
  ): Promise<{ before: BindingState & { label: string | null }; after: BindingState | null }[]> {
    if (ids.length === 0) return [];
    if (change.action === 'unbind') {
      const rows: (BindingRow & { label: string | null })[] = returning(
        await this.db.query(`DELETE FROM token_bindings WHERE id = ANY($1::bigint[]) RETURNING ${COLUMNS}, label`, [
          ids,
        ]),
      );
      return rows.map((r) => ({ before: { ...toState(r), label: r.label }, after: null }));
    }
    const set = {
      ban: [`status = 'banned', learning = false`, []],
      unban: [`status = 'active'`, []],
      set_label: [`label = $2::text`, [change.action === 'set_label' ? change.label : null]],
      set_max_addresses: [
        `max_addresses = $2::smallint`,
        [change.action === 'set_max_addresses' ? change.maxAddresses : null],
      ],
    }[change.action] as [string, unknown[]];
    const rows: (BindingRow & {
      label: string | null;
      o_status: BindingStatus;
      o_label: string | null;
      o_max: number | string | null;
      o_learning: boolean;
      o_version: string;
    })[] = returning(
      await this.db.query(
        `WITH old AS (
           SELECT id, status, label, max_addresses, learning, version FROM token_bindings
            WHERE id = ANY($1::bigint[]) ORDER BY token_hash FOR NO KEY UPDATE
         )
         UPDATE token_bindings t SET ${set[0]}
           FROM old WHERE t.id = old.id
         RETURNING ${T_COLUMNS}, t.label,
           old.status AS o_status, old.label AS o_label, old.max_addresses AS o_max, old.learning AS o_learning,
           old.version::text AS o_version`,
        [ids, ...set[1]],
      ),
    );
    return rows.map((r) => {
      const after = toState(r);
      return {
        before: {
          ...after,
          status: r.o_status,
          learning: r.o_learning === true,
          maxAddresses: r.o_max === null ? null : Number(r.o_max),
          version: Number(r.o_version),
          label: r.o_label,
        },
        after,
      };
    });
  }

  /** A binding's label and note (`note` undefined = unchanged); no effect on decisions. */
  async setLabel(
    id: string,
    label: string | null,
    note: string | null | undefined,
  ): Promise<{ before: { label: string | null; note: string | null }; state: BindingState } | null> {
    const rows: (BindingRow & { o_label: string | null; o_note: string | null })[] = returning(
      await this.db.query(
        `WITH old AS (SELECT id, label, note FROM token_bindings WHERE id = $1::bigint FOR NO KEY UPDATE)
         UPDATE token_bindings t SET label = $2::text, note = CASE WHEN $4::boolean THEN $3::text ELSE t.note END
           FROM old WHERE t.id = old.id
         RETURNING ${T_COLUMNS}, old.label AS o_label, old.note AS o_note`,
        [id, label, note ?? null, note !== undefined],
      ),
    );
    return rows.length > 0
      ? { before: { label: rows[0].o_label, note: rows[0].o_note }, state: toState(rows[0]) }
      : null;
  }

  /** This binding's own cap on learnt addresses; null = the live setting again. */
  async setMaxAddresses(id: string, maxAddresses: number | null): Promise<BindingState | null> {
    const rows = returning<BindingRow>(
      await this.db.query(
        `UPDATE token_bindings SET max_addresses = $2::smallint WHERE id = $1::bigint RETURNING ${COLUMNS}`,
        [id, maxAddresses],
      ),
    );
    return rows.length > 0 ? toState(rows[0]) : null;
  }

  async delete(id: string): Promise<BindingState | null> {
    const rows = returning<BindingRow>(
      await this.db.query(`DELETE FROM token_bindings WHERE id = $1::bigint RETURNING ${COLUMNS}`, [id]),
    );
    return rows.length > 0 ? toState(rows[0]) : null;
  }

  /**
   * One statement for a whole batch of last-use updates; never moves last_used_at backwards. The
   * rows are locked in token_hash order first (`locked` sorts before it locks, and the UPDATE only
   * reaches rows that came through it) — the order the intercept counter's trigger locks them in —
   * so a usage flush and an intercept batch touching the same bindings queue instead of deadlocking.
   */
  async touchMany(touches: readonly UsageTouch[]): Promise<void> {
    if (touches.length === 0) return;
    await this.db.query(
      `WITH v AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[]::timestamptz[]) AS v(h, ip, at)
       ), locked AS (
         SELECT t.id, v.ip, v.at FROM token_bindings t JOIN v ON t.token_hash = v.h
          ORDER BY t.token_hash FOR NO KEY UPDATE OF t
       )
       UPDATE token_bindings t
          SET last_used_at = l.at, last_ip = l.ip::inet,
              -- a pre-bound key's first use (admin-bound before it was ever used)
              first_ip = coalesce(t.first_ip, l.ip::inet), first_used_at = coalesce(t.first_used_at, l.at)
         FROM locked l
        WHERE t.id = l.id AND (t.last_used_at IS NULL OR t.last_used_at < l.at)`,
      [touches.map((t) => t.tokenHash), touches.map((t) => t.ip), touches.map((t) => t.at.toISOString())],
    );
  }

  /**
   * One statement for a batch of intercept rows. Idempotent: a batch retried after a lost reply
   * (its INSERT committed, the connection reset before the answer) adds nothing twice.
   */
  async insertIntercepts(events: readonly InterceptEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.query(
      `INSERT INTO intercept_logs
         (token_hash, token_mask, client_ip, rule_kind, rule_entries, binding_status, reason,
          method, path, user_agent, request_id, created_at)
       SELECT v.h, v.m, v.ip::inet, v.k, v.e::cidr[], v.s, v.r, v.meth, v.p, v.ua, v.rid, v.at::timestamptz
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
           AS v(h, m, ip, k, e, s, r, meth, p, ua, rid, at)
       ON CONFLICT (request_id) DO NOTHING`,
      [
        events.map((e) => e.tokenHash),
        events.map((e) => e.tokenMask),
        events.map((e) => e.clientIp),
        events.map((e) => e.ruleKind),
        events.map((e) => arrayLiteral(e.ruleEntries)),
        events.map((e) => e.bindingStatus),
        events.map((e) => e.reason),
        events.map((e) => e.method),
        events.map((e) => e.path.slice(0, 2048)),
        events.map((e) => (e.userAgent === null ? null : e.userAgent.slice(0, 512))),
        events.map((e) => e.requestId),
        events.map((e) => e.at.toISOString()),
      ],
    );
  }
}
