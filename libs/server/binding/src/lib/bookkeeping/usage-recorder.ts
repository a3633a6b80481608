import { BeforeApplicationShutdown, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AppLogger, KV_STORE, SerialFlush, type KvStore } from '@sentinel/server-core';
import { BindingRepository, type UsageTouch } from '../repository/binding.repository';
import { BINDING_OPTIONS, type BindingOptions } from '../binding.options';
import { Spool } from './spool';

interface Touch {
  ip: string;
  at: number;
}

export type DailyCounter = 'allowed' | 'intercepted' | 'new_bindings' | 'failsafe_passed';
export const DAILY_COUNTERS: readonly DailyCounter[] = ['allowed', 'intercepted', 'new_bindings', 'failsafe_passed'];

/** `stats:2026-11-22:allowed` — UTC days; kept 40 days for the 30-day chart. */
export function dailyCounterKey(day: string, counter: DailyCounter): string {
  return `stats:${day}:${counter}`;
}

const DAY_TTL_MS = 40 * 86_400_000;

/** The counters the dashboard's hourly view (last 24 h) shows. */
export type HourlyCounter = 'allowed' | 'intercepted';
export const HOURLY_COUNTERS: readonly HourlyCounter[] = ['allowed', 'intercepted'];

/** `stats:h:2026-11-22T10:allowed` — UTC hours; kept 26 h for the 24-hour view. */
export function hourlyCounterKey(hour: string, counter: HourlyCounter): string {
  return `stats:h:${hour}:${counter}`;
}

const HOUR_TTL_MS = 26 * 3_600_000;

/**
 * Bookkeeping off the request path: last_used_at / last_ip per token and the dashboard's daily
 * counters are gathered in memory (one mutable record per token — no allocation for a token seen
 * before) and flushed every few seconds in one statement / one pipeline, and on shutdown.
 */
@Injectable()
export class UsageRecorder implements OnModuleInit, BeforeApplicationShutdown {
  private pending = new Map<string, Touch>();
  private readonly counts: Record<DailyCounter, number> = {
    allowed: 0,
    intercepted: 0,
    new_bindings: 0,
    failsafe_passed: 0,
  };
  private timer: NodeJS.Timeout | undefined;
  private readonly flusher = new SerialFlush(
    () => this.doFlush(),
    () => this.pending.size,
  );

  constructor(
    private readonly repo: BindingRepository,
    @Inject(KV_STORE) private readonly kv: KvStore,
    private readonly logger: AppLogger,
    @Inject(BINDING_OPTIONS) private readonly options: BindingOptions,
    private readonly spool?: Spool,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.options.usageFlushMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // A few attempts, as for intercept rows: a database briefly away at shutdown loses nothing.
    if ((await this.flusher.drain()) === 0) return;
    // PostgreSQL still away: the updates go to the spool, replayed by the next start.
    const touches: UsageTouch[] = [];
    for (const [tokenHash, t] of this.pending) touches.push({ tokenHash, ip: t.ip, at: new Date(t.at) });
    if (this.spool?.enabled && (await this.spool.appendTouches(touches).catch(() => false))) {
      this.pending.clear();
      this.logger.warn('last_used_at updates spooled to disk at shutdown', 'Binding', { spooled: touches.length });
      return;
    }
    this.logger.error('last_used_at could not be written before shutdown', 'Binding', { lost: touches.length });
  }

  touch(tokenHash: string, ip: string): void {
    const t = this.pending.get(tokenHash);
    if (t === undefined) this.pending.set(tokenHash, { ip, at: Date.now() });
    else {
      t.ip = ip;
      t.at = Date.now();
    }
  }

  count(counter: DailyCounter, by = 1): void {
    this.counts[counter] += by;
  }

  get pendingTouches(): number {
    return this.pending.size;
  }

  /** Writes what has been gathered; safe to call concurrently (calls are serialised). */
  flush(): Promise<void> {
    return this.flusher.flush();
  }

  private async doFlush(): Promise<void> {
    if (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      const touches: UsageTouch[] = [];
      for (const [tokenHash, t] of batch) touches.push({ tokenHash, ip: t.ip, at: new Date(t.at) });
      try {
        await this.repo.touchMany(touches);
      } catch (e) {
        // Put them back (newer touches gathered meanwhile win) and retry on the next tick.
        for (const [h, t] of batch) if (!this.pending.has(h)) this.pending.set(h, t);
        this.logger.warn('last_used_at flush failed; will retry', 'Binding', {
          pending: this.pending.size,
          error: (e as Error).message,
        });
      }
    }
    const now = new Date().toISOString();
    const day = now.slice(0, 10);
    const hour = now.slice(0, 13);
    for (const counter of DAILY_COUNTERS) {
      const n = this.counts[counter];
      if (n === 0) continue;
      this.counts[counter] = 0;
      try {
        await this.kv.incr(dailyCounterKey(day, counter), n, DAY_TTL_MS);
      } catch {
        this.counts[counter] += n; // Redis down: keep counting, write when it is back
        continue;
      }
      // The hourly view is best effort: a failure here loses an hour's share, never the day's.
      if (counter === 'allowed' || counter === 'intercepted')
        await this.kv.incr(hourlyCounterKey(hour, counter), n, HOUR_TTL_MS).catch(() => undefined);
    }
  }
}
