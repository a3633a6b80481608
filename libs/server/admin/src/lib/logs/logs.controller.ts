import { Get, Query, Res } from '@nestjs/common';
import {
  ADMIN_PATHS,
  LOG_EXPORT_COLUMNS,
  type AuditListResponse,
  type LogExportQuery,
  type LogListResponse,
} from '@sentinel/admin-contract';
import type { Response } from 'express';
import { AuditRepository } from '../audit/audit.repository';
import { RequireRole } from '../auth/require-role.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { csvRow } from './csv';
import { AuditQueryDto, LogExportQueryDto, LogQueryDto } from './logs.dto';
import { LogsRepository, type LogCursor } from './logs.repository';

export const EXPORT_BATCH = 5_000;

/** `20261122T000000Z` for the file name; `all` when open-ended. */
function stamp(v: string | undefined): string {
  if (!v) return 'all';
  return new Date(v)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** A filter value as a file-name part: letters, digits, `.` and `-` only, at most 40 characters. */
function part(v: string): string {
  return v
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

/**
 * `intercepts_<from>_<to>[_reason-…][_ip-…][_token-…].csv`: the time range (`all` when open) and
 * every filter that was set, so two exports are told apart in a downloads folder.
 */
export function exportFilename(query: LogExportQuery): string {
  const parts = ['intercepts', stamp(query.from), stamp(query.to)];
  if (query.reason) parts.push(`reason-${part(query.reason)}`);
  if (query.clientIp) parts.push(`ip-${part(query.clientIp)}`);
  if (query.token) parts.push(`token-${part(query.token)}`);
  return `${parts.join('_')}.csv`;
}

/** Byte order mark: Excel reads the file as UTF-8 only with it (masks contain "…"). */
const UTF8_BOM = '\uFEFF';

@AdminController()
export class LogsController {
  constructor(
    private readonly logs: LogsRepository,
    private readonly audit: AuditRepository,
  ) {}

  @Get(ADMIN_PATHS.logs)
  @RequireRole('viewer')
  list(@Query() query: LogQueryDto): Promise<LogListResponse> {
    return this.logs.list(query);
  }

  /**
   * CSV of every matching intercept, newest first, the lines formatted by the database. On
   * PostgreSQL one COPY streams them as Buffers straight to the response (see copyOut: memory is a
   * few 64 KiB chunks, no row becomes a string); on the embedded PGlite, keyset batches of
   * EXPORT_BATCH rows. Either way a slow client applies backpressure instead of being buffered
   * for, and a database error before the first row is still a 5xx.
   */
  @Get(ADMIN_PATHS.logsExport)
  @RequireRole('viewer')
  async export(@Query() query: LogExportQueryDto, @Res() res: Response): Promise<void> {
    let closed = false;
    res.once('close', () => (closed = true));
    const begin = () => {
      res.status(200);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${exportFilename(query)}"`);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.write(UTF8_BOM + csvRow(LOG_EXPORT_COLUMNS));
    };
    if (this.logs.canCopyCsv) {
      let started = false;
      try {
        await this.logs.copyCsv(query, {
          start: () => {
            started = true;
            begin();
          },
          write: (chunk, done) => res.write(chunk, () => done()),
          onDrain: (resume) => res.once('drain', resume),
          onClose: (abort) => (closed ? abort() : res.once('close', abort)),
        });
      } catch (e) {
        if (!started) throw e;
        res.destroy(); // a truncated file must not look complete
        return;
      }
      res.end();
      return;
    }
    // The first batch is read before any header is sent, so a database error is still a 5xx.
    let batch = await this.logs.csvBatch(query, null, EXPORT_BATCH);
    begin();
    const write = (chunk: string) =>
      new Promise<void>((resolve) => {
        if (res.write(chunk) || closed) return resolve();
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    for (;;) {
      for (const chunk of batch.chunks) await write(chunk);
      if (closed || batch.rows < EXPORT_BATCH || !batch.cursor) break;
      const cursor: LogCursor = batch.cursor;
      batch = await this.logs.csvBatch(query, cursor, EXPORT_BATCH);
    }
    res.end();
  }

  @Get(ADMIN_PATHS.audit)
  @RequireRole('viewer')
  auditTrail(@Query() query: AuditQueryDto): Promise<AuditListResponse> {
    return this.audit.list(query);
  }
}
