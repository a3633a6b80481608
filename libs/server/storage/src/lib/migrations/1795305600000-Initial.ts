import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The initial schema. Hand-written SQL, the same on PostgreSQL and on PGlite; every constraint and
 * index is named so later migrations can refer to them.
 *
 * Notes on choices made here:
 *
 * - token_bindings.version comes from one global sequence (token_binding_version_seq), not a
 *   per-row counter. A BEFORE UPDATE trigger takes a fresh value whenever a column that matters to
 *   a decision or to the console changes (everything except last_ip/last_used_at, which the 5 s
 *   bookkeeping flush writes and which must not churn caches). Because the sequence is global, a
 *   token that is unbound (row deleted, `DELETE … RETURNING version` gives the tombstone version)
 *   and bound again gets a strictly larger version, so a cache can refuse any fill older than the
 *   newest version or tombstone it has seen for that token — "never resurrect" holds across
 *   delete/re-create, which a per-row `version + 1` does not give.
 *
 * - "Which bindings contain IP X" (`$1::inet <<= ANY(rule_entries)`) cannot use an index: GiST
 *   inet_ops indexes a scalar inet/cidr, not an array, and GIN on cidr[] only answers
 *   equality/overlap, not containment. It is a sequential scan: measured on PostgreSQL 15 on the
 *   2-CPU development box, 140–160 ms for 1M bindings with 1–3 entries each (parallel seq scan,
 *   ~220 MB heap from the OS cache) — fine for an admin search, and the hot path never runs it (it
 *   looks bindings up by token_hash; the console's list pages use ix_token_bindings_last_used,
 *   0.05 ms for the first 50 of 1M). If it ever matters, the upgrade is a side table
 *   binding_rule_entries(binding_id, entry cidr) with a GiST (entry inet_ops) index, maintained by
 *   the same writes; not worth the second write path today.
 *
 * - The archive query must spell the retention expression exactly as indexed:
 *   `coalesce(last_used_at, created_at) < $cutoff`.
 *
 * - Rule shape is enforced: `single` has exactly one entry, `multiple` at least one, `all` none;
 *   entries are never NULL. cidr rejects host bits (10.1.2.3/8): writers pass canonical networks,
 *   e.g. `network(set_masklen($ip::inet, 64))` for an IPv6 /64.
 */
export class Initial1795305600000 implements MigrationInterface {
  readonly name = 'Initial1795305600000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of UP) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of DOWN) await q.query(statement);
  }
}

export const RULE_KIND_CHECK = `rule_kind IN ('single', 'multiple', 'all')`;
const STATUS_CHECK = `status IN ('active', 'banned')`;
const TOKEN_HASH_CHECK = `token_hash ~ '^[0-9a-f]{64}$'`;
export const RULE_SHAPE_CHECK =
  `array_position(rule_entries, NULL) IS NULL AND CASE rule_kind ` +
  `WHEN 'single' THEN cardinality(rule_entries) = 1 ` +
  `WHEN 'multiple' THEN cardinality(rule_entries) >= 1 ` +
  `ELSE cardinality(rule_entries) = 0 END`;

const UP: readonly string[] = [
  // ---------------------------------------------------------------- token_bindings
  `CREATE SEQUENCE token_binding_version_seq AS bigint`,
  `CREATE TABLE token_bindings (
    id            bigserial   NOT NULL,
    token_hash    text        NOT NULL,
    token_mask    text        NOT NULL,
    rule_kind     text        NOT NULL,
    rule_entries  cidr[]      NOT NULL DEFAULT '{}',
    status        text        NOT NULL DEFAULT 'active',
    first_ip      inet        NOT NULL,
    first_used_at timestamptz NOT NULL DEFAULT now(),
    last_ip       inet,
    last_used_at  timestamptz,
    note          text,
    version       bigint      NOT NULL DEFAULT nextval('token_binding_version_seq'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_token_bindings PRIMARY KEY (id),
    CONSTRAINT uq_token_bindings_token_hash UNIQUE (token_hash),
    CONSTRAINT ck_token_bindings_token_hash CHECK (${TOKEN_HASH_CHECK}),
    CONSTRAINT ck_token_bindings_rule_kind CHECK (${RULE_KIND_CHECK}),
    CONSTRAINT ck_token_bindings_status CHECK (${STATUS_CHECK}),
    CONSTRAINT ck_token_bindings_rule_shape CHECK (${RULE_SHAPE_CHECK})
  )`,
  `ALTER SEQUENCE token_binding_version_seq OWNED BY token_bindings.version`,
  `CREATE INDEX ix_token_bindings_last_used ON token_bindings (last_used_at DESC NULLS LAST, id DESC)`,
  `CREATE INDEX ix_token_bindings_created ON token_bindings (created_at DESC, id DESC)`,
  `CREATE INDEX ix_token_bindings_status_kind ON token_bindings (status, rule_kind, last_used_at DESC NULLS LAST, id DESC)`,
  `CREATE INDEX ix_token_bindings_mask_prefix ON token_bindings (token_mask text_pattern_ops)`,
  `CREATE INDEX ix_token_bindings_retention ON token_bindings ((coalesce(last_used_at, created_at)))`,
  `CREATE FUNCTION token_bindings_bump_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF (NEW.token_hash, NEW.token_mask, NEW.rule_kind, NEW.rule_entries, NEW.status,
        NEW.first_ip, NEW.first_used_at, NEW.note, NEW.created_at)
       IS DISTINCT FROM
       (OLD.token_hash, OLD.token_mask, OLD.rule_kind, OLD.rule_entries, OLD.status,
        OLD.first_ip, OLD.first_used_at, OLD.note, OLD.created_at) THEN
      NEW.version := nextval('token_binding_version_seq');
      NEW.updated_at := now();
    ELSIF NEW.version < OLD.version THEN
      NEW.version := OLD.version;
    END IF;
    RETURN NEW;
  END
  $fn$`,
  `CREATE TRIGGER tg_token_bindings_bump_version BEFORE UPDATE ON token_bindings
    FOR EACH ROW EXECUTE FUNCTION token_bindings_bump_version()`,

  // ---------------------------------------------------------------- intercept_logs
  `CREATE TABLE intercept_logs (
    id             bigserial   NOT NULL,
    token_hash     text        NOT NULL,
    token_mask     text        NOT NULL,
    client_ip      inet        NOT NULL,
    rule_kind      text        NOT NULL,
    rule_entries   cidr[]      NOT NULL DEFAULT '{}',
    binding_status text        NOT NULL,
    reason         text        NOT NULL,
    method         text        NOT NULL,
    path           text        NOT NULL,
    user_agent     text,
    request_id     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_intercept_logs PRIMARY KEY (id),
    CONSTRAINT ck_intercept_logs_rule_kind CHECK (${RULE_KIND_CHECK}),
    CONSTRAINT ck_intercept_logs_binding_status CHECK (binding_status IN ('active', 'banned'))
  )`,
  `CREATE INDEX ix_intercept_logs_created ON intercept_logs (created_at DESC, id DESC)`,
  `CREATE INDEX ix_intercept_logs_token_created ON intercept_logs (token_hash, created_at DESC)`,
  `CREATE INDEX ix_intercept_logs_ip_created ON intercept_logs (client_ip, created_at DESC)`,
  `CREATE INDEX ix_intercept_logs_reason_created ON intercept_logs (reason, created_at DESC)`,

  // ---------------------------------------------------------------- archived_bindings
  `CREATE TABLE archived_bindings (
    id             bigserial   NOT NULL,
    binding_id     bigint      NOT NULL,
    token_hash     text        NOT NULL,
    token_mask     text        NOT NULL,
    rule_kind      text        NOT NULL,
    rule_entries   cidr[]      NOT NULL DEFAULT '{}',
    status         text        NOT NULL,
    first_ip       inet        NOT NULL,
    first_used_at  timestamptz NOT NULL,
    last_ip        inet,
    last_used_at   timestamptz,
    note           text,
    version        bigint      NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    archived_at    timestamptz NOT NULL DEFAULT now(),
    archive_reason text        NOT NULL,
    CONSTRAINT pk_archived_bindings PRIMARY KEY (id),
    CONSTRAINT ck_archived_bindings_rule_kind CHECK (${RULE_KIND_CHECK}),
    CONSTRAINT ck_archived_bindings_status CHECK (${STATUS_CHECK}),
    CONSTRAINT ck_archived_bindings_archive_reason CHECK (archive_reason IN ('retention', 'unbind'))
  )`,
  `CREATE INDEX ix_archived_bindings_archived ON archived_bindings (archived_at DESC, id DESC)`,
  `CREATE INDEX ix_archived_bindings_token_archived ON archived_bindings (token_hash, archived_at DESC)`,
  `CREATE INDEX ix_archived_bindings_mask_prefix ON archived_bindings (token_mask text_pattern_ops)`,

  // ---------------------------------------------------------------- admin_audit
  `CREATE TABLE admin_audit (
    id          bigserial   NOT NULL,
    actor       text        NOT NULL,
    action      text        NOT NULL,
    target_type text        NOT NULL,
    target_id   text,
    before      jsonb,
    after       jsonb,
    ip          inet,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_admin_audit PRIMARY KEY (id)
  )`,
  `CREATE INDEX ix_admin_audit_created ON admin_audit (created_at DESC, id DESC)`,
  `CREATE INDEX ix_admin_audit_target ON admin_audit (target_type, target_id, created_at DESC)`,

  // ---------------------------------------------------------------- runtime_settings
  `CREATE TABLE runtime_settings (
    key        text        NOT NULL,
    value      jsonb       NOT NULL,
    updated_by text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_runtime_settings PRIMARY KEY (key)
  )`,

  // ---------------------------------------------------------------- archive_runs
  `CREATE TABLE archive_runs (
    id            bigserial   NOT NULL,
    instance_id   text        NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    rows_archived bigint      NOT NULL DEFAULT 0,
    logs_deleted  bigint      NOT NULL DEFAULT 0,
    error         text,
    CONSTRAINT pk_archive_runs PRIMARY KEY (id)
  )`,
  `CREATE INDEX ix_archive_runs_started ON archive_runs (started_at DESC)`,

  // ---------------------------------------------------------------- alert_deliveries
  `CREATE TABLE alert_deliveries (
    id         bigserial   NOT NULL,
    token_hash text        NOT NULL,
    token_mask text        NOT NULL,
    status     text        NOT NULL DEFAULT 'pending',
    attempts   integer     NOT NULL DEFAULT 0,
    last_error text,
    payload    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_alert_deliveries PRIMARY KEY (id),
    CONSTRAINT ck_alert_deliveries_status CHECK (status IN ('pending', 'sent', 'failed'))
  )`,
  `CREATE INDEX ix_alert_deliveries_created ON alert_deliveries (created_at DESC, id DESC)`,
  `CREATE INDEX ix_alert_deliveries_pending ON alert_deliveries (created_at) WHERE status = 'pending'`,
];

const DOWN: readonly string[] = [
  `DROP TABLE alert_deliveries`,
  `DROP TABLE archive_runs`,
  `DROP TABLE runtime_settings`,
  `DROP TABLE admin_audit`,
  `DROP TABLE archived_bindings`,
  `DROP TABLE intercept_logs`,
  `DROP TABLE token_bindings`,
  `DROP FUNCTION token_bindings_bump_version()`,
];
