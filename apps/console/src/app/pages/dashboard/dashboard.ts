import { ChangeDetectionStrategy, Component, DOCUMENT, DestroyRef, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { RouterLink } from '@angular/router';
import { DashboardApi } from '@sentinel/admin-client';
import type { DashboardResponse, TopInterceptedWindow } from '@sentinel/admin-contract';
import { Subscription } from 'rxjs';

import { errorMessage } from '../../core/errors/admin-error';
import { I18nService } from '../../core/i18n/i18n.service';
import { LOCAL_STORAGE, readPreference, writePreference } from '../../core/storage/local-storage';
import { ChartPoint } from '../../shared/daily-chart/chart-scale';
import { DailyChart } from '../../shared/daily-chart/daily-chart';
import { Icon } from '../../shared/icon/icon';
import { DateTimePipe } from '../../shared/format/date-time';
import { ReasonPill } from '../../shared/reason-pill/reason-pill';

/** How often the dashboard reloads itself while auto-refresh is on and the tab is visible. */
export const AUTO_REFRESH_SECONDS = 30;
const AUTO_REFRESH_PREFERENCE = 'sentinel.dashboard.autoRefresh';

/**
 * Today's counters, totals, the daily series, top intercepted tokens and the latest intercepts;
 * reloads itself every AUTO_REFRESH_SECONDS unless paused (remembered) or the tab is hidden.
 */
@Component({
  selector: 'app-dashboard',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DailyChart,
    DateTimePipe,
    ReasonPill,
    Icon,
    MatButtonModule,
    MatButtonToggleModule,
    MatCardModule,
    MatProgressBarModule,
    MatTooltipModule,
    RouterLink,
  ],
  templateUrl: './dashboard.html',
  styleUrl: './dashboard.scss',
})
export class Dashboard {
  private readonly api = inject(DashboardApi);
  private readonly storage = inject(LOCAL_STORAGE);
  private readonly document = inject(DOCUMENT);
  protected readonly t = inject(I18nService).messages;
  protected readonly autoRefreshSeconds = AUTO_REFRESH_SECONDS;
  protected readonly autoRefresh = signal(readPreference(this.storage, AUTO_REFRESH_PREFERENCE) !== 'off');

  protected readonly data = signal<DashboardResponse | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal<unknown>(null);
  /** The chart's range: the last 24 hours by hour, or 7 / 30 days by day. */
  protected readonly days = signal<'24h' | 7 | 30>(7);
  protected readonly topWindow = signal<TopInterceptedWindow>('24h');

  protected readonly errorText = computed(() => (this.error() ? errorMessage(this.error(), this.t()) : ''));

  protected readonly cards = computed(() => {
    const d = this.data();
    const t = this.t().dashboard;
    if (!d) return [];
    return [
      { id: 'allowed', label: t.todayAllowed, value: d.today.allowed },
      { id: 'intercepted', label: t.todayIntercepted, value: d.today.intercepted },
      { id: 'new', label: t.todayNewBindings, value: d.today.newBindings },
      { id: 'active', label: t.activeBindings, value: d.bindings.active },
      { id: 'banned', label: t.bannedBindings, value: d.bindings.banned },
    ];
  });

  protected readonly points = computed<ChartPoint[]>(() => {
    const d = this.data();
    if (!d) return [];
    const range = this.days();
    if (range === '24h') {
      // UTC hours, labelled in local time (the hour they start at).
      return d.series24h.map((p) => ({
        label: `${String(new Date(`${p.hour}:00:00Z`).getHours()).padStart(2, '0')}:00`,
        allowed: p.allowed,
        intercepted: p.intercepted,
      }));
    }
    const series = range === 7 ? d.series7d : d.series30d;
    return series.map((p) => ({
      label: p.day.slice(5),
      allowed: p.allowed,
      intercepted: p.intercepted,
    }));
  });

  protected readonly hasTraffic = computed(() => this.points().some((p) => p.allowed > 0 || p.intercepted > 0));

  /** A fresh install: no binding and no traffic yet. The onboarding card replaces the empty chart. */
  protected readonly emptyInstall = computed(() => {
    const d = this.data();
    return (
      d !== null &&
      d.bindings.active + d.bindings.banned === 0 &&
      d.today.allowed + d.today.intercepted === 0 &&
      !this.hasTraffic()
    );
  });
  /** Where SDKs point: this console's origin (nginx or Sentinel itself) + `/v1`. */
  protected readonly sdkBaseUrl = `${location.origin}/v1`;
  protected readonly curlLine = `curl ${location.origin}/v1/models -H "Authorization: Bearer sk-…"`;

  protected readonly top = computed(() => this.data()?.topIntercepted[this.topWindow()] ?? []);

  /** The degraded-mode banner's lines, or none in normal operation. */
  protected readonly degraded = computed(() => {
    const status = this.data()?.status;
    const t = this.t().dashboard;
    if (!status || status.mode === 'normal') return [];
    const lines = [
      status.mode === 'both_down'
        ? t.degradedBoth
        : status.mode === 'postgres_down'
          ? t.degradedPostgres
          : t.degradedRedis,
    ];
    if (status.mode !== 'redis_down') {
      lines.push(status.failsafeMode === 'open' ? t.failsafeOpen : t.failsafeClosed);
    }
    return lines;
  });

  private request?: Subscription;

  constructor() {
    this.load();
    const timer = setInterval(() => {
      if (this.autoRefresh() && this.document.visibilityState !== 'hidden' && !this.loading()) this.load(true);
    }, AUTO_REFRESH_SECONDS * 1000);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }

  protected toggleAutoRefresh(): void {
    this.autoRefresh.update((on) => !on);
    writePreference(this.storage, AUTO_REFRESH_PREFERENCE, this.autoRefresh() ? 'on' : 'off');
  }

  /** `quiet`: a background refresh keeps the page as it is (no progress bar) until data arrives. */
  protected load(quiet = false): void {
    this.request?.unsubscribe();
    this.loading.set(!quiet);
    if (!quiet) this.error.set(null);
    this.request = this.api.get().subscribe({
      next: (data) => {
        this.data.set(data);
        this.error.set(null);
        this.loading.set(false);
      },
      error: (error: unknown) => {
        this.error.set(error);
        this.loading.set(false);
      },
    });
  }
}
