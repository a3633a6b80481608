import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AppLogger } from '@sentinel/server-core';
import type { InterceptEvent } from '../events/binding-events';
import type { UsageTouch } from '../repository/binding.repository';

/** One spooled record, one JSON line: an intercept row or a last_used_at / last_ip update. */
type SpoolLine =
  | { t: 'i'; e: Omit<InterceptEvent, 'at'> & { at: string } }
  | { t: 'u'; h: string; ip: string; at: string };

/** Where replayed records go (the repository, in production). */
export interface SpoolSink {
  insertIntercepts(events: readonly InterceptEvent[]): Promise<void>;
  touchMany(touches: readonly UsageTouch[]): Promise<void>;
}

export interface SpoolOptions {
  /** DATA_DIR/spool. */
  dir: string;
  /** Bytes held at most across this instance's files; past it records are counted (`overflow`). 0 = off. */
  maxBytes: number;
  /** A lock whose holder has not refreshed it for this long is stale (holder on another host). */
  staleLockMs?: number;
  /** This process's id; default host-pid-random. */
  instanceId?: string;
}

const REPLAY_BATCH = 500;
/** Instance ids whose lock this process holds (a pid equal to ours may be an earlier process's). */
const HELD_HERE = new Set<string>();
const LOCK_REFRESH_MS = 10_000;

/**
 * The local spool for what cannot reach PostgreSQL (PostgreSQL down, the shutdown flush
 * failing): intercept rows and last_used_at / last_ip updates, as JSON lines appended to
 * `<dir>/<instance>.jsonl`, one fsync per appended batch.
 *
 * - One file per instance id; several instances may share one DATA_DIR. Each holds
 *   `<instance>.lock` (pid, host; refreshed every 10 s) while it runs.
 * - Replay (at start and when PostgreSQL is back) takes this instance's own file (renamed aside,
 *   so appends go on into a fresh one) and every other instance's files whose lock is stale —
 *   its process has exited (same host) or its lock was not refreshed for `staleLockMs`. A lock
 *   is taken before another instance's files are read: two processes never replay one spool.
 * - Replaying twice is harmless: intercept rows are unique by request id (ON CONFLICT DO
 *   NOTHING) and last_used_at only moves forward (the UPDATE's WHERE clause).
 * - Bounded: past `maxBytes` records are refused and counted in `overflow` (logged by the caller).
 */
export class Spool {
  readonly instanceId: string;
  overflow = 0;
  replayed = 0;
  /** Unparseable lines skipped at replay (a write torn by a crash). */
  torn = 0;
  private bytes = 0;
  /** Of `bytes`, those in the current file (not yet set aside for a replay). */
  private currentBytes = 0;
  private handle: FileHandle | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private replaying: Promise<number> | undefined;
  private lockTimer: NodeJS.Timeout | undefined;
  private opened = false;
  private readonly staleLockMs: number;

  constructor(
    private readonly options: SpoolOptions,
    private readonly logger: AppLogger,
  ) {
    this.instanceId = (options.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`).replace(
      /[^A-Za-z0-9_-]/g,
      '_',
    );
    this.staleLockMs = options.staleLockMs ?? 60_000;
  }

  get enabled(): boolean {
    return this.opened;
  }

  /** Bytes spooled by this instance and not yet replayed. */
  get size(): number {
    return this.bytes;
  }

  /** Nest lifecycle (the spool is a provider): open at start, release the lock at the end. */
  onModuleInit(): void {
    this.open();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Creates the directory and takes this instance's lock. A spool that cannot open is off (logged). */
  open(): void {
    if (this.options.maxBytes <= 0) return;
    try {
      mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
      if (!this.tryLock(this.instanceId)) throw new Error(`lock ${this.instanceId}.lock is held`);
      this.opened = true;
      this.lockTimer = setInterval(() => this.refreshLock(), LOCK_REFRESH_MS);
      this.lockTimer.unref();
    } catch (e) {
      this.logger.error('Spool unavailable: rows that cannot reach PostgreSQL are kept in memory only', 'Binding', {
        dir: this.options.dir,
        error: (e as Error).message,
      });
    }
  }

  /** Something to replay: this instance's own records, or another instance's files. */
  pending(): boolean {
    if (!this.opened) return false;
    if (this.bytes > 0) return true;
    return this.dataFiles().some((f) => !f.startsWith(`${this.instanceId}.`) || f.endsWith('.replay'));
  }

  appendIntercepts(events: readonly InterceptEvent[]): Promise<boolean> {
    return this.append(events.map((e) => ({ t: 'i', e: { ...e, at: e.at.toISOString() } })));
  }

  appendTouches(touches: readonly UsageTouch[]): Promise<boolean> {
    return this.append(touches.map((u) => ({ t: 'u', h: u.tokenHash, ip: u.ip, at: u.at.toISOString() })));
  }

  /** Appends and fsyncs one batch. false: the spool is off or at its bound (counted in `overflow`). */
  private append(lines: SpoolLine[]): Promise<boolean> {
    if (!this.opened || lines.length === 0) {
      if (lines.length > 0) this.overflow += lines.length;
      return Promise.resolve(lines.length === 0);
    }
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    const size = Buffer.byteLength(text);
    return this.serial(async () => {
      if (this.bytes + size > this.options.maxBytes) {
        this.overflow += lines.length;
        return false;
      }
      this.handle ??= await open(this.currentPath(), 'a', 0o600);
      await this.handle.write(text);
      await this.handle.datasync();
      this.bytes += size;
      this.currentBytes += size;
      return true;
    });
  }

  /** Replays what can be replayed into `sink`; returns the records written. Concurrent calls join. */
  replay(sink: SpoolSink): Promise<number> {
    if (!this.opened) return Promise.resolve(0);
    this.replaying ??= this.replayAll(sink).finally(() => (this.replaying = undefined));
    return this.replaying;
  }

  /** Releases the lock; the files stay for the next start (or another instance) to replay. */
  async close(): Promise<void> {
    if (!this.opened) return;
    await this.serial(async () => {
      await this.handle?.close();
      this.handle = undefined;
    });
    clearInterval(this.lockTimer);
    this.opened = false;
    this.unlock(this.instanceId);
  }

  private async replayAll(sink: SpoolSink): Promise<number> {
    let written = 0;
    // Our own records: set the current file aside (appends go on into a fresh one). Files set
    // aside by an earlier try that failed are still there and are replayed below with it.
    await this.serial(async () => {
      if (this.currentBytes === 0) return;
      await this.handle?.close();
      this.handle = undefined;
      renameSync(this.currentPath(), join(this.options.dir, `${this.instanceId}.${Date.now()}.replay`));
      this.currentBytes = 0;
    });
    const files = this.dataFiles();
    const own = files.filter((f) => f.startsWith(`${this.instanceId}.`) && f.endsWith('.replay'));
    for (const f of own) written += await this.replayFile(f, sink, true);
    // Other instances' files, and locks left without files (a stale one is removed on the way).
    const others = new Set(
      [...files, ...this.lockFiles()]
        .filter((f) => !f.startsWith(`${this.instanceId}.`))
        .map((f) => f.slice(0, f.indexOf('.'))),
    );
    for (const id of others) {
      if (!this.tryLock(id)) continue; // its owner is alive, or another instance is replaying it
      try {
        for (const f of this.dataFiles().filter((x) => x.startsWith(`${id}.`)))
          written += await this.replayFile(f, sink, false);
      } finally {
        this.unlock(id);
      }
    }
    if (written > 0) this.logger.info('Spool replayed into PostgreSQL', 'Binding', { records: written });
    return written;
  }

  /** One file into the sink; deleted once all of it is written. A failure keeps it (and throws). */
  private async replayFile(name: string, sink: SpoolSink, own: boolean): Promise<number> {
    const path = join(this.options.dir, name);
    const text = await readFile(path, 'utf8');
    const intercepts: InterceptEvent[] = [];
    const touches = new Map<string, UsageTouch>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let l: SpoolLine;
      try {
        l = JSON.parse(line) as SpoolLine;
      } catch {
        this.torn++;
        continue;
      }
      if (l.t === 'i') intercepts.push({ ...l.e, at: new Date(l.e.at) });
      else if (l.t === 'u') {
        const at = new Date(l.at);
        const prev = touches.get(l.h);
        if (prev === undefined || prev.at < at) touches.set(l.h, { tokenHash: l.h, ip: l.ip, at });
      }
    }
    for (let i = 0; i < intercepts.length; i += REPLAY_BATCH)
      await sink.insertIntercepts(intercepts.slice(i, i + REPLAY_BATCH));
    const t = [...touches.values()];
    for (let i = 0; i < t.length; i += REPLAY_BATCH) await sink.touchMany(t.slice(i, i + REPLAY_BATCH));
    await unlink(path);
    if (own) this.bytes = Math.max(0, this.bytes - Buffer.byteLength(text));
    const n = intercepts.length + touches.size;
    this.replayed += n;
    return n;
  }

  private currentPath(): string {
    return join(this.options.dir, `${this.instanceId}.jsonl`);
  }

  private dataFiles(): string[] {
    try {
      return readdirSync(this.options.dir).filter((f) => f.endsWith('.jsonl') || f.endsWith('.replay'));
    } catch {
      return [];
    }
  }

  private lockFiles(): string[] {
    try {
      return readdirSync(this.options.dir).filter((f) => f.endsWith('.lock'));
    } catch {
      return [];
    }
  }

  private lockPath(id: string): string {
    return join(this.options.dir, `${id}.lock`);
  }

  /** Takes `<id>.lock` (O_EXCL); a stale one (holder gone) is removed and taken. */
  private tryLock(id: string): boolean {
    const path = this.lockPath(id);
    const body = JSON.stringify({ pid: process.pid, host: hostname(), holder: this.instanceId });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeFileSync(fd, body);
        closeSync(fd);
        if (id === this.instanceId) HELD_HERE.add(id);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if (attempt > 0 || !this.lockIsStale(path)) return false;
        try {
          unlinkSync(path);
        } catch {
          return false;
        }
      }
    }
    return false;
  }

  private lockIsStale(path: string): boolean {
    try {
      const held = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number; host?: string; holder?: string };
      if (held.holder === this.instanceId) return false;
      if (Date.now() - statSync(path).mtimeMs > this.staleLockMs) return true;
      if (held.host !== hostname() || typeof held.pid !== 'number') return false;
      // Our own pid: this process (another spool of ours) or an earlier one (pid 1 in a container).
      if (held.pid === process.pid) return !(typeof held.holder === 'string' && HELD_HERE.has(held.holder));
      try {
        process.kill(held.pid, 0);
        return false;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ESRCH';
      }
    } catch {
      return true; // unreadable: a lock torn by a crash between create and write
    }
  }

  private refreshLock(): void {
    const now = new Date();
    try {
      utimesSync(this.lockPath(this.instanceId), now, now);
    } catch {
      /* gone: the next open re-takes it */
    }
  }

  private unlock(id: string): void {
    if (id === this.instanceId) HELD_HERE.delete(id);
    try {
      unlinkSync(this.lockPath(id));
    } catch {
      /* already gone */
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
