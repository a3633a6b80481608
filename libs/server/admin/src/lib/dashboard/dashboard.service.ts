import { Inject, Injectable } from '@nestjs/common';
import type { DailyPoint, DashboardResponse, HourlyPoint } from '@sentinel/admin-contract';
import {
  DAILY_COUNTERS,
  HOURLY_COUNTERS,
  dailyCounterKey,
  hourlyCounterKey,
  type DailyCounter,
} from '@sentinel/server-binding';
import { AppLogger, KV_STORE, type KvStore } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { BindingsQueryRepository } from '../bindings/bindings-query.repository';
import { LogsRepository } from '../logs/logs.repository';
import { StatusService } from '../status/status.service';

const DAY_MS = 86_400_000;
/** Rows of the "keys seen from many addresses" panel. */
export const SHARED_KEYS_LIMIT = 20;

/** UTC days, oldest first, ending today. */
export function lastDays(n: number, now = Date.now()): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(new Date(now - i * DAY_MS).toISOString().slice(0, 10));
  return out;
}

const HOUR_MS = 3_600_000;

/** UTC hours (`YYYY-MM-DDTHH`), oldest first, ending with the current one. */
export function lastHours(n: number, now = Date.now()): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(new Date(now - i * HOUR_MS).toISOString().slice(0, 13));
  return out;
}

/**
 * The dashboard: today's counters and the 7/30-day series from the Redis daily counters (every
 * instance flushes its counts every 5 s), binding totals and top/latest intercepts from
 * PostgreSQL, and the dependency state. With Redis down the intercept series falls back to
 * counting intercept_logs; allowed/new-binding counts then read 0. The sharing panel lists keys
 * refused from `sharingDistinctThreshold` distinct addresses within `sharingWindowSeconds`.
 */
@Injectable()
export class DashboardService {
  constructor(
    @Inject(KV_STORE) private readonly kv: KvStore,
    private readonly bindings: BindingsQueryRepository,
    private readonly logs: LogsRepository,
    private readonly status: StatusService,
    private readonly logger: AppLogger,
    private readonly settings: RuntimeSettings,
  ) {}

  async dashboard(): Promise<DashboardResponse> {
    const days = lastDays(30);
    const hours = lastHours(24);
    // The same live settings (and the same floor) the probable_sharing alert uses.
    const windowSeconds = Math.max(1, Math.floor(this.settings.current.sharingWindowSeconds));
    const threshold = Math.max(2, Math.floor(this.settings.current.sharingDistinctThreshold));
    const [counters, hourly, totals, top24h, top7d, latest, shared, status] = await Promise.all([
      this.counters(days),
      this.hourly(hours),
      this.bindings.counts(),
      this.logs.topIntercepted(86_400, 10),
      this.logs.topIntercepted(7 * 86_400, 10),
      this.logs.latest(20),
      this.logs.sharedKeys(windowSeconds, threshold, SHARED_KEYS_LIMIT),
      this.status.status(),
    ]);
    const series30d: DailyPoint[] = days.map((day) => ({
      day,
      allowed: counters.get(`${day}:allowed`) ?? 0,
      intercepted: counters.get(`${day}:intercepted`) ?? 0,
      newBindings: counters.get(`${day}:new_bindings`) ?? 0,
    }));
    const today = days[days.length - 1];
    return {
      today: {
        day: today,
        allowed: counters.get(`${today}:allowed`) ?? 0,
        intercepted: counters.get(`${today}:intercepted`) ?? 0,
        newBindings: counters.get(`${today}:new_bindings`) ?? 0,
        failsafePassed: counters.get(`${today}:failsafe_passed`) ?? 0,
      },
      bindings: totals,
      series7d: series30d.slice(-7),
      series30d,
      series24h: hours.map(
        (hour): HourlyPoint => ({
          hour,
          allowed: hourly.get(`${hour}:allowed`) ?? 0,
          intercepted: hourly.get(`${hour}:intercepted`) ?? 0,
        }),
      ),
      topIntercepted: { '24h': top24h, '7d': top7d },
      latestIntercepts: latest,
      sharedKeys: { windowSeconds, threshold, items: shared },
      status,
      countersFlushIntervalSeconds: 5,
    };
  }

  /** `hour:counter` → value, one MGET for 24 × 2 keys; empty when Redis cannot answer. */
  private async hourly(hours: readonly string[]): Promise<Map<string, number>> {
    const keys = hours.flatMap((hour) =>
      HOURLY_COUNTERS.map((c) => ({ key: hourlyCounterKey(hour, c), id: `${hour}:${c}` })),
    );
    const out = new Map<string, number>();
    try {
      const values = await this.kv.mget(keys.map((k) => k.key));
      values.forEach((v, i) => {
        const n = v === null ? 0 : Number(v);
        if (Number.isFinite(n)) out.set(keys[i].id, n);
      });
    } catch {
      /* the hourly view reads 0 while Redis is down */
    }
    return out;
  }

  /** `day:counter` → value, one MGET for all 30 × 4 keys. */
  private async counters(days: readonly string[]): Promise<Map<string, number>> {
    const keys: { key: string; id: string }[] = [];
    for (const day of days)
      for (const c of DAILY_COUNTERS) keys.push({ key: dailyCounterKey(day, c as DailyCounter), id: `${day}:${c}` });
    const out = new Map<string, number>();
    try {
      const values = await this.kv.mget(keys.map((k) => k.key));
      values.forEach((v, i) => {
        const n = v === null ? 0 : Number(v);
        if (Number.isFinite(n)) out.set(keys[i].id, n);
      });
    } catch (e) {
      this.logger.warn('Dashboard counters unavailable (Redis); intercepts counted from the log instead', 'Admin', {
        error: (e as Error).message,
      });
      const perDay = await this.logs.perDay(days[0]);
      for (const [day, n] of perDay) out.set(`${day}:intercepted`, n);
    }
    return out;
  }
}
