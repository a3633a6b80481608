import { BatchQueue, SerialFlush } from './batch-queue';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('BatchQueue: queue / flush / drain for off-the-path writers', () => {
  it('push refuses past maxQueued and never writes on the caller’s stack', async () => {
    const written: number[][] = [];
    const q = new BatchQueue<number>({ maxQueued: 3, batchSize: 2, write: async (b) => void written.push(b) });
    expect([q.push(1), q.push(2), q.push(3), q.push(4)]).toEqual([true, true, true, false]);
    expect(written).toEqual([]); // flushAt (= batchSize) reached, but the flush is only scheduled
    await q.whenIdle();
    expect(written).toEqual([[1, 2], [3]]);
    expect(q.depth).toBe(0);
  });

  it('items being written count toward the bound, so a failed write never overfills the queue', async () => {
    let fail: (e: Error) => void = () => undefined;
    const q = new BatchQueue<number>({
      maxQueued: 3,
      batchSize: 2,
      flushAt: 100,
      write: () => new Promise<void>((_, reject) => (fail = reject)),
    });
    q.push(1);
    q.push(2);
    const run = q.flush(); // [1, 2] now being written
    expect(q.depth).toBe(2);
    expect([q.push(3), q.push(4)]).toEqual([true, false]);
    fail(new Error('down'));
    await run;
    expect(q.depth).toBe(3);
    expect(q.push(5)).toBe(false);
  });

  it('a failed write puts its batch back at the head, in order, and the next flush retries it', async () => {
    let fail = true;
    const written: number[] = [];
    const q = new BatchQueue<number>({
      maxQueued: 100,
      batchSize: 2,
      flushAt: 100,
      write: async (b) => {
        if (fail) throw new Error('down');
        written.push(...b);
      },
    });
    for (let i = 1; i <= 5; i++) q.push(i);
    await q.flush();
    expect(q.depth).toBe(5);
    fail = false;
    await q.flush();
    expect(written).toEqual([1, 2, 3, 4, 5]);
  });

  it('flushes are serialised: a call during a run joins it, and items pushed meanwhile are written by a repeat', async () => {
    let release: () => void = () => undefined;
    let inFlight = 0;
    let maxInFlight = 0;
    const written: number[] = [];
    const q = new BatchQueue<number>({
      maxQueued: 100,
      batchSize: 10,
      flushAt: 100,
      write: async (b) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise<void>((r) => (release = r));
        written.push(...b);
        inFlight--;
      },
    });
    q.push(1);
    const first = q.flush();
    await tick();
    q.push(2); // arrives while [1] is being written
    expect(q.flush()).toBe(first); // joins the run in progress
    const idle = q.whenIdle();
    for (let i = 0; i < 4; i++) {
      release();
      await tick();
    }
    await idle;
    expect(written).toEqual([1, 2]);
    expect(maxInFlight).toBe(1);
  });

  it('concurrency bounds the writes in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const q = new BatchQueue<number>({
      maxQueued: 100,
      batchSize: 1,
      concurrency: 3,
      write: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await tick();
        inFlight--;
      },
    });
    for (let i = 0; i < 10; i++) q.push(i);
    await q.whenIdle();
    expect(maxInFlight).toBe(3);
  });

  it('drain retries a few times with a pause and reports what is left; clear drops the queue', async () => {
    let calls = 0;
    const q = new BatchQueue<number>({
      maxQueued: 10,
      batchSize: 10,
      flushAt: 10,
      write: async () => {
        calls++;
        if (calls < 3) throw new Error('down');
      },
    });
    q.push(1);
    expect(await q.drain(5, 1)).toBe(0);
    expect(calls).toBe(3);

    const stuck = new BatchQueue<number>({
      maxQueued: 10,
      batchSize: 10,
      flushAt: 10,
      write: () => Promise.reject(new Error('down')),
    });
    stuck.push(1);
    stuck.push(2);
    expect(await stuck.drain(2, 1)).toBe(2);
    expect(stuck.clear()).toBe(2);
    await expect(stuck.whenIdle()).resolves.toBeUndefined();
  });
});

describe('SerialFlush: the same serialisation for a writer with its own pending state', () => {
  it('joins concurrent calls and drains until nothing is pending', async () => {
    let pending = 3;
    let runs = 0;
    const f = new SerialFlush(
      async () => {
        runs++;
        await tick();
        if (runs > 1) pending = 0;
      },
      () => pending,
    );
    const a = f.flush();
    expect(f.flush()).toBe(a);
    await a;
    expect(await f.drain(5, 1)).toBe(0);
    expect(runs).toBeGreaterThanOrEqual(2);
  });
});
