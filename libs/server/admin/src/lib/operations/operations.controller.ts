import { Get, HttpCode, Post, Req } from '@nestjs/common';
import {
  ADMIN_PATHS,
  ALERT_EVENTS,
  type AlertDeliveriesResponse,
  type AlertEvent,
  type AlertTestResponse,
  type ArchiveRunResponse,
  type ArchiveRunsResponse,
} from '@sentinel/admin-contract';
import { AlertService } from '@sentinel/server-alert';
import { ArchiveService } from '@sentinel/server-archive';
import { AuditService } from '../audit/audit.service';
import { RequireRole } from '../auth/require-role.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { RequestContext, type AdminRequest } from '../common/request-context';

/** What an admin can trigger by hand: a test alert, an archive run; and their recent history. */
@AdminController()
export class OperationsController {
  constructor(
    private readonly alerts: AlertService,
    private readonly archive: ArchiveService,
    private readonly audit: AuditService,
    private readonly ctx: RequestContext,
  ) {}

  @Post(ADMIN_PATHS.alertTest)
  @RequireRole('admin')
  @HttpCode(200)
  async testAlert(@Req() req: AdminRequest): Promise<AlertTestResponse> {
    const o = await this.alerts.sendTestAlert();
    const result: AlertTestResponse = {
      status: o.status,
      attempts: o.attempts,
      httpStatus: o.httpStatus ?? null,
      error: o.error ?? null,
      durationMs: o.durationMs,
    };
    await this.audit.record({
      actor: this.ctx.actor(req),
      action: 'alert.test',
      targetType: 'alert',
      targetId: o.deliveryId,
      after: result,
      ip: this.ctx.clientIp(req),
    });
    return result;
  }

  @Get(ADMIN_PATHS.alertDeliveries)
  @RequireRole('viewer')
  async deliveries(): Promise<AlertDeliveriesResponse> {
    const rows = await this.alerts.recentDeliveries(50);
    return {
      items: rows.map((r) => ({
        id: r.id,
        event: alertEvent(r.payload),
        tokenMask: r.tokenMask,
        status: r.status,
        attempts: r.attempts,
        lastError: r.lastError,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      })),
    };
  }

  @Post(ADMIN_PATHS.archiveRun)
  @RequireRole('admin')
  @HttpCode(200)
  async runArchive(@Req() req: AdminRequest): Promise<ArchiveRunResponse> {
    const r = await this.archive.runNow();
    const result: ArchiveRunResponse = {
      status: r.status,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      rowsArchived: r.rowsArchived,
      logsDeleted: r.logsDeleted,
      error: r.error ?? (r.status === 'skipped' ? 'another instance is running the job' : null),
    };
    await this.audit.record({
      actor: this.ctx.actor(req),
      action: 'archive.run',
      targetType: 'archive',
      targetId: r.runId,
      after: result,
      ip: this.ctx.clientIp(req),
    });
    return result;
  }

  @Get(ADMIN_PATHS.archiveRuns)
  @RequireRole('viewer')
  async runs(): Promise<ArchiveRunsResponse> {
    const rows = await this.archive.recentRuns(20);
    return { items: rows.map((r) => ({ ...r })) };
  }
}

/** The payload's event, when it is one the contract knows. */
function alertEvent(payload: unknown): AlertEvent | null {
  const e = payload && typeof payload === 'object' ? (payload as { event?: unknown }).event : undefined;
  return (ALERT_EVENTS as readonly unknown[]).includes(e) ? (e as AlertEvent) : null;
}
