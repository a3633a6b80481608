import { BeforeApplicationShutdown, Injectable, OnModuleInit, Inject } from '@nestjs/common';
import { AppLogger, BatchQueue, DependencyHealth } from '@sentinel/server-core';
import { RuntimeSettings } from '@sentinel/server-settings';
import { BindingEvents, type InterceptEvent } from '../events/binding-events';
import { BindingRepository } from '../repository/binding.repository';
import { BINDING_OPTIONS, type BindingOptions } from '../binding.options';
import { Spool } from './spool';

const BATCH = 500;

/** One queued row; `committed` resolves the 403 that waits for it (group commit). */
interface Queued {
  event: InterceptEvent;
  committed?: () => void;
}

/**
 * Intercept log rows: the security record of a refused key.
 *
 * Group commit: while PostgreSQL is up, `record()` returns a promise the 403 waits for. Rows
 * from concurrent denials are written by one multi-row INSERT in one commit; the next batch
 * starts as soon as the previous one ends (the queue's writer loop), so the wait is one commit at
 * most under load, and nothing is polled. The wait is bounded by the live setting
 * `interceptCommitWaitMs`: past it the 403 goes out and the row stays queued. While PostgreSQL is
 * down (the breaker in DependencyHealth is open) no 403 waits; the rows wait in a bounded queue
 * written every `interceptFlushMs` once it is back. Past the bound they are counted (`dropped`)
 * and logged, never lost silently. Flushed on shutdown.
 */
@Injectable()
export class InterceptRecorder implements OnModuleInit, BeforeApplicationShutdown {
  private readonly queue: BatchQueue<Queued>;
  private timer: NodeJS.Timeout | undefined;
  private commitScheduled = false;
  dropped = 0;
  written = 0;
  /** 403s that went out after their row was committed / after the wait ran out. */
  committedBeforeReply = 0;
  waitTimedOut = 0;

  constructor(
    private readonly repo: BindingRepository,
    private readonly events: BindingEvents,
    private readonly health: DependencyHealth,
    private readonly logger: AppLogger,
    private readonly settings: RuntimeSettings,
    private readonly spool: Spool,
    @Inject(BINDING_OPTIONS) private readonly options: BindingOptions,
  ) {
    this.queue = new BatchQueue({
      maxQueued: options.interceptQueueMax,
      batchSize: BATCH,
      write: (b) => this.write(b),
    });
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), this.options.interceptFlushMs);
    this.timer.unref();
  }

  /** What an earlier process (or this one, during an outage) spooled goes into PostgreSQL. */
  onApplicationBootstrap(): void {
    void this.replaySpool();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // A few attempts: a database that is briefly away at shutdown should not lose rows. Rows that
    // still cannot be written go to the spool (write() spools a batch PostgreSQL refuses).
    const lost = await this.queue.drain();
    if (lost > 0) this.logger.error('Intercept rows could not be written before shutdown', 'Binding', { lost });
  }

  /** Rows spooled and not yet replayed; spooled rows refused at the bound. */
  get spooled(): { bytes: number; overflow: number; replayed: number } {
    return { bytes: this.spool.size, overflow: this.spool.overflow, replayed: this.spool.replayed };
  }

  private async tick(): Promise<void> {
    await this.flush();
    if (this.health.postgresAvailable() && this.spool.pending()) await this.replaySpool();
  }

  /** Replays the spool; a failure keeps it for the next try (on recovery or the next start). */
  replaySpool(): Promise<number> {
    if (!this.spool.enabled) return Promise.resolve(0);
    return this.spool.replay(this.repo).then(
      (n) => {
        if (n > 0) this.health.reportPostgresSuccess();
        return n;
      },
      (e: unknown) => {
        this.health.reportPostgresFailure(e);
        this.logger.warn('Spool replay failed; will retry', 'Binding', { error: (e as Error).message });
        return 0;
      },
    );
  }

  get depth(): number {
    return this.queue.depth;
  }

  /**
   * Queues the row. Returns a promise for the 403 to wait on (it resolves once the row is
   * committed, or after `interceptCommitWaitMs`; it never rejects), or undefined when the reply
   * should not wait: PostgreSQL is down, the wait is 0, or the row could not be queued.
   */
  record(event: InterceptEvent): Promise<void> | undefined {
    const waitMs = this.settings.current.interceptCommitWaitMs;
    const wait = waitMs > 0 && this.health.postgresState.up;
    const item: Queued = { event };
    let committed: Promise<void> | undefined;
    if (wait) {
      committed = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waitTimedOut++;
          item.committed = undefined;
          resolve();
        }, waitMs);
        item.committed = () => {
          clearTimeout(timer);
          this.committedBeforeReply++;
          resolve();
        };
      });
    }
    const queued = this.queue.push(item);
    if (!queued) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) {
        this.logger.error('Intercept queue full; rows dropped', 'Binding', { dropped: this.dropped });
      }
      item.committed?.();
      committed = undefined;
    } else if (wait) this.scheduleCommit();
    this.events.intercepts.next(event);
    return committed;
  }

  /** One flush per event-loop turn: every denial decided in this turn joins the same INSERT. */
  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      void this.flush();
    });
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  private async write(batch: Queued[]): Promise<void> {
    // PostgreSQL known down: straight to the spool, no timeout per batch.
    if (this.spool.enabled && !this.health.postgresAvailable()) return this.toSpool(batch);
    try {
      await this.repo.insertIntercepts(batch.map((q) => q.event));
      this.written += batch.length;
      this.health.reportPostgresSuccess();
      for (const q of batch) q.committed?.();
      if (this.spool.size > 0) void this.replaySpool(); // back after an outage
    } catch (e) {
      this.health.reportPostgresFailure(e);
      if (this.spool.enabled) return this.toSpool(batch, e);
      this.logger.warn('Intercept rows not written; will retry', 'Binding', {
        queued: this.queue.depth,
        error: (e as Error).message,
      });
      throw e;
    }
  }

  /** Durable on local disk until PostgreSQL is back; past the spool's bound, counted and logged. */
  private async toSpool(batch: Queued[], cause?: unknown): Promise<void> {
    const before = { bytes: this.spool.size, overflow: this.spool.overflow };
    // A spool that cannot write (disk full, I/O error) throws: the batch stays queued in memory.
    if (await this.spool.appendIntercepts(batch.map((q) => q.event))) {
      // fsync'd: as durable as a commit, so a waiting 403 may go out.
      for (const q of batch) q.committed?.();
      if (before.bytes === 0) {
        this.logger.warn('PostgreSQL unavailable: intercept rows are spooled to disk until it is back', 'Binding', {
          rows: batch.length,
          ...(cause === undefined ? {} : { error: (cause as Error).message }),
        });
      }
      return;
    }
    if (before.overflow === 0 || Math.floor(before.overflow / 1000) !== Math.floor(this.spool.overflow / 1000)) {
      this.logger.error('Spool full; intercept rows dropped', 'Binding', { overflow: this.spool.overflow });
    }
  }
}
