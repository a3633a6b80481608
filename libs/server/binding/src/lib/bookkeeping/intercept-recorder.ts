import { BeforeApplicationShutdown, Injectable, OnModuleInit, Inject } from '@nestjs/common';
import { AppLogger, DependencyHealth } from '@sentinel/server-core';
import { BindingEvents, type InterceptEvent } from '../events/binding-events';
import { BindingRepository } from '../repository/binding.repository';
import { BINDING_OPTIONS, type BindingOptions } from '../binding.options';

const BATCH = 500;

/**
 * Intercept log rows are written in batches off the request path. While PostgreSQL is down they
 * wait in a bounded queue; past the bound they are counted (`dropped`) and logged, never lost
 * silently. Flushed on shutdown.
 */
@Injectable()
export class InterceptRecorder implements OnModuleInit, BeforeApplicationShutdown {
  private queue: InterceptEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  dropped = 0;
  written = 0;

  constructor(
    private readonly repo: BindingRepository,
    private readonly events: BindingEvents,
    private readonly health: DependencyHealth,
    private readonly logger: AppLogger,
    @Inject(BINDING_OPTIONS) private readonly options: BindingOptions,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.options.interceptFlushMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // A few attempts: a database that is briefly away at shutdown should not lose rows.
    for (let attempt = 0; attempt < 5 && this.queue.length > 0; attempt++) {
      await this.flush();
      if (this.queue.length > 0) await new Promise((r) => setTimeout(r, 200));
    }
    if (this.queue.length > 0) {
      this.logger.error('Intercept rows could not be written before shutdown', 'Binding', {
        lost: this.queue.length,
      });
    }
  }

  get depth(): number {
    return this.queue.length;
  }

  record(event: InterceptEvent): void {
    if (this.queue.length >= this.options.interceptQueueMax) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) {
        this.logger.error('Intercept queue full; rows dropped', 'Binding', { dropped: this.dropped });
      }
    } else {
      this.queue.push(event);
      if (this.queue.length >= BATCH) void this.flush();
    }
    this.events.intercepts.next(event);
  }

  flush(): Promise<void> {
    if (!this.flushing) this.flushing = this.doFlush().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, BATCH);
      try {
        await this.repo.insertIntercepts(batch);
        this.queue.splice(0, batch.length);
        this.written += batch.length;
        this.health.reportPostgresSuccess();
      } catch (e) {
        this.health.reportPostgresFailure(e);
        this.logger.warn('Intercept rows not written; will retry', 'Binding', {
          queued: this.queue.length,
          error: (e as Error).message,
        });
        return;
      }
    }
  }
}
