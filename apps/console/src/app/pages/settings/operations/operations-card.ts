import { ChangeDetectionStrategy, Component, inject, signal, type OnInit } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { OperationsApi } from '@sentinel/admin-client';
import type { AlertDeliveryItem, ArchiveRunItem } from '@sentinel/admin-contract';

import { errorMessage } from '../../../core/errors/admin-error';
import { I18nService } from '../../../core/i18n/i18n.service';
import { ToastService } from '../../../shared/toast/toast.service';
import { Can } from '../../../shared/permissions/can.directive';
import { DateTimePipe, formatDateTime } from '../../../shared/format/date-time';

/** "Send a test alert" and "Run archive now", with the last archive run's result. */
@Component({
  selector: 'app-operations-card',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [Can, DateTimePipe, MatButtonModule, MatCardModule],
  template: `
    <mat-card appearance="outlined" class="operations" data-testid="operations-card">
      <mat-card-header>
        <mat-card-title>{{ t().operations.title }}</mat-card-title>
      </mat-card-header>
      <mat-card-content>
        <p>{{ t().operations.intro }}</p>
        <div class="operations-actions" *appCan="'admin'">
          <button
            mat-stroked-button
            type="button"
            data-testid="send-test-alert"
            [disabled]="busy()"
            (click)="testAlert()"
          >
            {{ t().operations.testAlert }}
          </button>
          <button mat-stroked-button type="button" data-testid="run-archive" [disabled]="busy()" (click)="runArchive()">
            {{ t().operations.runArchive }}
          </button>
        </div>
        @if (result(); as text) {
          <p role="status" data-testid="operations-result">{{ text }}</p>
        }
        <p class="setting-meta" data-testid="last-archive-run">{{ lastRunText() }}</p>
        <h3 class="deliveries-title">{{ t().operations.deliveries }}</h3>
        @if (deliveries().length === 0) {
          <p class="setting-meta" data-testid="deliveries-empty">{{ t().operations.noDeliveries }}</p>
        } @else {
          <div class="deliveries-scroll">
            <table class="deliveries" data-testid="alert-deliveries">
              <thead>
                <tr>
                  <th scope="col">{{ t().operations.deliveryColumns.time }}</th>
                  <th scope="col">{{ t().operations.deliveryColumns.event }}</th>
                  <th scope="col">{{ t().operations.deliveryColumns.token }}</th>
                  <th scope="col">{{ t().operations.deliveryColumns.status }}</th>
                  <th scope="col">{{ t().operations.deliveryColumns.attempts }}</th>
                  <th scope="col">{{ t().operations.deliveryColumns.error }}</th>
                </tr>
              </thead>
              <tbody>
                @for (d of deliveries(); track d.id) {
                  <tr>
                    <td>{{ d.createdAt | dateTime }}</td>
                    <td [attr.data-testid]="'delivery-event-' + d.id">
                      {{ d.event ? t().operations.deliveryEvents[d.event] : '—' }}
                    </td>
                    <td class="mono">{{ d.tokenMask }}</td>
                    <td>
                      <span [class]="'status-pill delivery-' + d.status">{{
                        t().operations.deliveryStatuses[d.status]
                      }}</span>
                    </td>
                    <td>{{ d.attempts }}</td>
                    <td class="delivery-error">{{ d.lastError ?? '—' }}</td>
                  </tr>
                }
              </tbody>
            </table>
          </div>
        }
      </mat-card-content>
    </mat-card>
  `,
  styles: `
    .operations {
      margin-top: 16px;
    }
    .deliveries-title {
      margin: 16px 0 4px;
      font: var(--mat-sys-title-small);
    }
    .deliveries-scroll {
      overflow-x: auto;
    }
    .deliveries {
      width: 100%;
      border-collapse: collapse;
      font: var(--mat-sys-body-small);
    }
    .deliveries th,
    .deliveries td {
      padding: 4px 8px;
      text-align: start;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    .delivery-error {
      overflow-wrap: anywhere;
    }
    .operations-actions {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
      margin: 8px 0;
    }
  `,
})
export class OperationsCard implements OnInit {
  private readonly api = inject(OperationsApi);
  private readonly toast = inject(ToastService);
  private readonly i18n = inject(I18nService);
  protected readonly t = this.i18n.messages;
  protected readonly busy = signal(false);
  protected readonly result = signal<string | null>(null);
  private readonly lastRun = signal<ArchiveRunItem | null>(null);
  /** The latest alert deliveries (GET /admin/api/alerts/deliveries): time, token, status, attempts, error. */
  protected readonly deliveries = signal<AlertDeliveryItem[]>([]);

  ngOnInit(): void {
    this.loadRuns();
    this.loadDeliveries();
  }

  private loadDeliveries(): void {
    this.api.alertDeliveries().subscribe({
      next: (r) => this.deliveries.set(r.items),
      error: () => this.deliveries.set([]),
    });
  }

  protected lastRunText(): string {
    const run = this.lastRun();
    const m = this.t().operations;
    if (!run) return m.noRunYet;
    return m.lastRun(formatDateTime(run.startedAt) || run.startedAt, run.rowsArchived, run.logsDeleted);
  }

  protected testAlert(): void {
    this.busy.set(true);
    this.api.sendTestAlert().subscribe({
      next: (r) => {
        const m = this.t().operations;
        const text =
          r.status === 'sent'
            ? m.testAlertSent(r.durationMs)
            : m.testAlertFailed(r.error ?? `HTTP ${r.httpStatus ?? '?'}`);
        this.result.set(text);
        this.toast.success(text);
        this.busy.set(false);
        this.loadDeliveries();
      },
      error: (e: unknown) => this.failed(e),
    });
  }

  protected runArchive(): void {
    this.busy.set(true);
    this.api.runArchive().subscribe({
      next: (r) => {
        const m = this.t().operations;
        const text =
          r.status === 'completed'
            ? m.archiveDone(r.rowsArchived, r.logsDeleted)
            : r.status === 'skipped'
              ? m.archiveSkipped
              : m.archiveFailed(r.error ?? '?');
        this.result.set(text);
        this.toast.success(text);
        this.busy.set(false);
        this.loadRuns();
      },
      error: (e: unknown) => this.failed(e),
    });
  }

  private loadRuns(): void {
    this.api.archiveRuns().subscribe({
      next: (r) => this.lastRun.set(r.items[0] ?? null),
      error: () => this.lastRun.set(null),
    });
  }

  private failed(e: unknown): void {
    this.busy.set(false);
    this.result.set(errorMessage(e, this.t()));
    this.toast.error(e);
  }
}
