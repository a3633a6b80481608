import { Injectable } from '@nestjs/common';
import { AppLogger } from '@sentinel/server-core';
import type { AuditAction, AuditTargetType } from '@sentinel/admin-contract';
import { AuditRepository } from './audit.repository';

export interface AuditInput {
  actor: string;
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
  ip: string | null;
}

/**
 * Writes the admin audit trail. An audit row that cannot be written (PostgreSQL down) is logged
 * in full instead: the change itself has already happened and must not be reported as failed.
 */
@Injectable()
export class AuditService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly logger: AppLogger,
  ) {}

  /** One statement for many rows; on failure every row is logged instead, as record() does. */
  async recordMany(entries: readonly AuditInput[]): Promise<void> {
    try {
      await this.repo.insertMany(entries);
    } catch (e) {
      for (const audit of entries)
        this.logger.error('Audit row not written; logged here instead', 'Audit', {
          audit,
          error: (e as Error).message,
        });
    }
  }

  async record(entry: AuditInput): Promise<void> {
    try {
      await this.repo.insert(entry);
    } catch (e) {
      this.logger.error('Audit row not written; logged here instead', 'Audit', {
        audit: entry,
        error: (e as Error).message,
      });
    }
  }
}
