import type { DataSource } from 'typeorm';
import type { AlertDeliveryRecord, AlertPayload, DeliveryStatus } from './alert.types';

interface Row {
  id: string;
  token_hash: string;
  token_mask: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  payload: AlertPayload | string;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();

/** alert_deliveries: one row per delivery, updated after every attempt. */
export class AlertDeliveryRepository {
  constructor(private readonly db: DataSource) {}

  async insertPending(payload: AlertPayload): Promise<string> {
    const rows: { id: string }[] = await this.db.query(
      `INSERT INTO alert_deliveries (token_hash, token_mask, status, attempts, payload)
       VALUES ($1, $2, 'pending', 0, $3::jsonb) RETURNING id::text AS id`,
      [payload.token.id, payload.token.mask, JSON.stringify(payload)],
    );
    return rows[0].id;
  }

  /** A delivery that never got an attempt (queue full, settings gone). */
  async insertFailed(payload: AlertPayload, error: string): Promise<string> {
    const rows: { id: string }[] = await this.db.query(
      `INSERT INTO alert_deliveries (token_hash, token_mask, status, attempts, last_error, payload)
       VALUES ($1, $2, 'failed', 0, $3, $4::jsonb) RETURNING id::text AS id`,
      [payload.token.id, payload.token.mask, error, JSON.stringify(payload)],
    );
    return rows[0].id;
  }

  async recordAttempt(id: string, status: DeliveryStatus, attempts: number, lastError: string | null): Promise<void> {
    await this.db.query(
      `UPDATE alert_deliveries SET status = $2, attempts = $3, last_error = $4, updated_at = now() WHERE id = $1::bigint`,
      [id, status, attempts, lastError],
    );
  }

  async recent(limit: number): Promise<AlertDeliveryRecord[]> {
    const rows: Row[] = await this.db.query(
      `SELECT id::text AS id, token_hash, token_mask, status, attempts, last_error, payload, created_at, updated_at
         FROM alert_deliveries ORDER BY created_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      tokenHash: r.token_hash,
      tokenMask: r.token_mask,
      status: r.status,
      attempts: Number(r.attempts),
      lastError: r.last_error,
      payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as AlertPayload) : r.payload,
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    }));
  }
}
