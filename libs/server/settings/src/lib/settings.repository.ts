import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@sentinel/server-storage';

export interface StoredOverride {
  key: string;
  value: unknown;
  updatedBy: string | null;
  updatedAt: Date;
}

/** The runtime_settings table: admin overrides, so that a Redis flush loses nothing. */
@Injectable()
export class SettingsRepository {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async list(): Promise<StoredOverride[]> {
    const rows: { key: string; value: unknown; updated_by: string | null; updated_at: Date }[] = await this.db.query(
      `SELECT key, value, updated_by, updated_at FROM runtime_settings ORDER BY key`,
    );
    return rows.map((r) => ({
      key: r.key,
      value: r.value,
      updatedBy: r.updated_by,
      updatedAt: new Date(r.updated_at),
    }));
  }

  /** Upserts `values` and deletes `reset` in one transaction. */
  async write(values: Record<string, unknown>, reset: readonly string[], actor: string): Promise<void> {
    await this.db.transaction(async (m) => {
      for (const [key, value] of Object.entries(values)) {
        await m.query(
          `INSERT INTO runtime_settings (key, value, updated_by, updated_at) VALUES ($1, $2::jsonb, $3, now())
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
          [key, JSON.stringify(value), actor],
        );
      }
      if (reset.length > 0) await m.query(`DELETE FROM runtime_settings WHERE key = ANY($1::text[])`, [reset]);
    });
  }
}
