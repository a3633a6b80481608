/**
 * The queue / flush / drain loop that every off-the-request-path writer shares: intercept rows,
 * last-use touches, alert counting and alert delivery.
 *
 * - `push()` is O(1) and never blocks: it refuses (returns false) past `maxQueued` — items being
 *   written count toward the bound, since a failed write puts them back — and schedules
 *   a flush with `setImmediate` once `flushAt` items wait (no I/O on the caller's stack).
 * - `flush()` hands the items to `write` in batches of `batchSize`, `concurrency` writes at a time.
 *   Flushes are serialised: a call during a run joins it, and a run is repeated once if items
 *   arrived after its writers found the queue empty. A write that throws puts its batch back at
 *   the head of the queue and ends the run (the next flush retries it): nothing is lost silently.
 * - `drain()` flushes until the queue is empty, a few times with a pause (shutdown, a database
 *   briefly away), and returns what is left.
 * - `whenIdle()` resolves once nothing is queued, scheduled or being written.
 */
export interface BatchQueueOptions<T> {
  /** Items held at most; `push()` past it refuses. */
  maxQueued: number;
  /** Items per `write` call. */
  batchSize: number;
  /** `write` calls in flight at once (1 keeps the items in order). */
  concurrency?: number;
  /** `push()` schedules a flush once this many items wait (default `batchSize`). */
  flushAt?: number;
  /** Writes one batch; throwing means "not written, retry later". */
  write(batch: T[]): Promise<void>;
}

/**
 * A flush that runs one at a time: a call during a run joins it, and the run is repeated once if
 * `pending()` still reports work after a call that arrived mid-run. `drain()` is the shutdown
 * loop: flush, pause, flush again, up to `attempts` times, and return what is still pending.
 */
export class SerialFlush {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly pending: () => number,
    private readonly onSettled: () => void = () => undefined,
  ) {}

  get active(): boolean {
    return this.running !== undefined;
  }

  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.again = false;
    this.running = this.work().finally(() => {
      this.running = undefined;
      if (this.again && this.pending() > 0) void this.flush();
      else this.onSettled();
    });
    return this.running;
  }

  async drain(attempts = 5, pauseMs = 200): Promise<number> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await this.flush();
      if (this.pending() === 0) break;
      if (attempt < attempts) await new Promise((r) => setTimeout(r, pauseMs));
    }
    return this.pending();
  }
}

export class BatchQueue<T> {
  private queue: T[] = [];
  private readonly serial = new SerialFlush(
    () => this.run(),
    () => this.queue.length,
    () => this.settle(),
  );
  private scheduled = false;
  /** Items handed to `write` and not yet settled: they come back on failure. */
  private writing = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly flushAt: number;

  constructor(private readonly options: BatchQueueOptions<T>) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
    this.flushAt = Math.max(1, Math.floor(options.flushAt ?? options.batchSize));
  }

  /** Items not yet written: queued plus being written. */
  get depth(): number {
    return this.queue.length + this.writing;
  }

  push(item: T): boolean {
    if (this.queue.length + this.writing >= this.options.maxQueued) return false;
    this.queue.push(item);
    if (this.queue.length >= this.flushAt && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
    return true;
  }

  /** Drops everything still queued (shutdown without writing); returns how many. */
  clear(): number {
    const n = this.queue.length;
    this.queue = [];
    this.settle();
    return n;
  }

  flush(): Promise<void> {
    return this.serial.flush();
  }

  /** Flushes up to `attempts` times, pausing `pauseMs` between tries; returns the items left. */
  drain(attempts = 5, pauseMs = 200): Promise<number> {
    return this.serial.drain(attempts, pauseMs);
  }

  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get idle(): boolean {
    return !this.serial.active && !this.scheduled && this.queue.length === 0;
  }

  private async run(): Promise<void> {
    let failed = false;
    const writer = async (): Promise<void> => {
      while (!failed && this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.batchSize);
        this.writing += batch.length;
        try {
          await this.options.write(batch);
        } catch {
          failed = true;
          this.queue.unshift(...batch);
        } finally {
          this.writing -= batch.length;
        }
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, writer));
  }

  private settle(): void {
    if (!this.idle || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
