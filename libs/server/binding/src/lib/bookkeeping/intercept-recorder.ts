import { BeforeApplicationShutdown, Injectable, OnModuleInit, Inject } from '@nestjs/common';
import { AppLogger, BatchQueue, DependencyHealth } from '@sentinel/server-core';
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
  private readonly queue: BatchQueue<InterceptEvent>;
  private timer: NodeJS.Timeout | undefined;
  dropped = 0;
  written = 0;

  constructor(
    private readonly repo: BindingRepository,
    private readonly events: BindingEvents,
    private readonly health: DependencyHealth,
    private readonly logger: AppLogger,
    @Inject(BINDING_OPTIONS) private readonly options: BindingOptions,
  ) {
    this.queue = new BatchQueue({
      maxQueued: options.interceptQueueMax,
      batchSize: BATCH,
      write: (b) => this.write(b),
    });
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.options.interceptFlushMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // A few attempts: a database that is briefly away at shutdown should not lose rows.
    const lost = await this.queue.drain();
    if (lost > 0) this.logger.error('Intercept rows could not be written before shutdown', 'Binding', { lost });
  }

  get depth(): number {
    return this.queue.depth;
  }

  record(event: InterceptEvent): void {
    if (!this.queue.push(event)) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) {
        this.logger.error('Intercept queue full; rows dropped', 'Binding', { dropped: this.dropped });
      }
    }
    this.events.intercepts.next(event);
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  private async write(batch: InterceptEvent[]): Promise<void> {
    try {
      await this.repo.insertIntercepts(batch);
      this.written += batch.length;
      this.health.reportPostgresSuccess();
    } catch (e) {
      this.health.reportPostgresFailure(e);
      this.logger.warn('Intercept rows not written; will retry', 'Binding', {
        queued: this.queue.depth,
        error: (e as Error).message,
      });
      throw e;
    }
  }
}
