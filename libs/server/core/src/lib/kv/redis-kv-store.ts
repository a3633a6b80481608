import Redis, { type RedisOptions } from 'ioredis';
import type { KvMessageHandler, KvSetOptions, KvStore } from './kv-store';
import { TOKEN_BUCKET_LUA, bucketTtlMs, type TokenTake } from './token-bucket';

/** KEYS: guard, key. ARGV: expected, expected-present flag, value, ttl ms. */
/** The Lua scripts, as commands defined on the client (ioredis `defineCommand`). */
interface ScriptCommands {
  sentinelSetIfUnchanged(...keysThenArgs: string[]): Promise<number>;
  sentinelTakeToken(...keysThenArgs: string[]): Promise<[number, number]>;
}

const SET_IF_UNCHANGED = `
local g = redis.call('GET', KEYS[1])
if (ARGV[2] == '0' and g == false) or (ARGV[2] == '1' and g == ARGV[1]) then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
  return 1
end
return 0`;

/** Redis Sentinel: ioredis asks these for the master of `masterName` and follows failovers. */
export interface RedisSentinelOptions {
  nodes: readonly { host: string; port: number }[];
  masterName: string;
  password?: string;
}

export interface RedisKvOptions {
  /** One Redis (REDIS_ADDR). Exactly one of `url` and `sentinel`. */
  url?: string;
  /** Redis Sentinel (REDIS_SENTINELS + REDIS_MASTER_NAME). */
  sentinel?: RedisSentinelOptions;
  password?: string;
  keyPrefix: string;
  /** Per-command timeout; a dead Redis must not hold a request. */
  commandTimeoutMs?: number;
  onStateChange?: (up: boolean, error?: Error) => void;
}

/**
 * ioredis adapter. Commands fail fast while disconnected (no offline queue) so the binding
 * decision can fall back to PostgreSQL; ioredis reconnects in the background.
 */
export class RedisKvStore implements KvStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private readonly scripts: ScriptCommands;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<KvMessageHandler>>();
  private readonly reconnectListeners = new Set<() => void>();
  private up = false;
  private closed = false;

  constructor(private readonly options: RedisKvOptions) {
    if ((options.url === undefined) === (options.sentinel === undefined)) {
      throw new Error('RedisKvStore needs exactly one of url and sentinel');
    }
    this.client = this.connect(this.connectionOptions());
    // The scripts run by SHA (EVALSHA; ioredis sends the script once per connection, on NOSCRIPT):
    // EVAL would send the whole script text with every first-use fill and bucket take, and Redis
    // would hash it each time.
    this.client.defineCommand('sentinelSetIfUnchanged', { numberOfKeys: 2, lua: SET_IF_UNCHANGED });
    this.client.defineCommand('sentinelTakeToken', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    this.scripts = this.client as unknown as ScriptCommands;
    // Up is what the connection's status says at each event: an 'error' while the connection
    // stays ready (a sentinel that went away, a failed reconnect attempt of the failover detector)
    // must not mark Redis down until the next 'ready' — there may be none.
    const track = (error?: Error) => this.setUp(this.client.status === 'ready', error);
    this.client.on('ready', () => track());
    this.client.on('end', () => track());
    this.client.on('close', () => track());
    this.client.on('error', (err: Error) => track(err));
  }

  /** A connection to the one Redis, or to the current master through the sentinels. */
  private connect(extra: RedisOptions): Redis {
    const sentinel = this.options.sentinel;
    if (!sentinel) return new Redis(this.options.url as string, extra);
    return new Redis({
      ...extra,
      sentinels: sentinel.nodes.map((n) => ({ host: n.host, port: n.port })),
      name: sentinel.masterName,
      role: 'master',
      sentinelPassword: sentinel.password || undefined,
      // Subscribe to +switch-master on the sentinels: reconnect as soon as they promote a replica
      // instead of waiting for the old master's socket to fail.
      failoverDetector: true,
      sentinelRetryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
      // A demoted master answers writes with READONLY: reconnect, which asks the sentinels again.
      reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 1 : false),
    });
  }

  private connectionOptions(): RedisOptions {
    return {
      password: this.options.password || undefined,
      keyPrefix: this.options.keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.options.commandTimeoutMs ?? 1_000,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
      lazyConnect: false,
    };
  }

  private setUp(up: boolean, error?: Error): void {
    if (this.up === up) return;
    this.up = up;
    this.options.onStateChange?.(up, error);
  }

  /** Resolves once connected (or rejects after `timeoutMs`). */
  async waitReady(timeoutMs = 3_000): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        cleanup();
        reject(new Error(`Redis not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(t);
        this.client.off('ready', onReady);
      };
      this.client.on('ready', onReady);
    });
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.client.mget(...keys);
  }

  async set(key: string, value: string, options: KvSetOptions = {}): Promise<boolean> {
    let result: string | null;
    if (options.ttlMs && options.onlyIfAbsent) {
      result = await this.client.set(key, value, 'PX', options.ttlMs, 'NX');
    } else if (options.ttlMs) {
      result = await this.client.set(key, value, 'PX', options.ttlMs);
    } else if (options.onlyIfAbsent) {
      result = await this.client.set(key, value, 'NX');
    } else {
      result = await this.client.set(key, value);
    }
    return result === 'OK';
  }

  async del(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.client.del(...keys);
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    if (!ttlMs) return this.client.incrby(key, by);
    // One round trip: INCRBY, and PEXPIRE only when this call created the key.
    const results = await this.client.multi().incrby(key, by).pexpire(key, ttlMs, 'NX').exec();
    const [err, value] = results?.[0] ?? [new Error('empty MULTI reply'), null];
    if (err) throw err;
    return Number(value);
  }

  async pttl(key: string): Promise<number> {
    return this.client.pttl(key);
  }

  async pushCapped(key: string, value: string, max: number, ttlMs?: number): Promise<void> {
    const m = this.client
      .multi()
      .lpush(key, value)
      .ltrim(key, 0, max - 1);
    if (ttlMs) m.pexpire(key, ttlMs);
    const results = await m.exec();
    const failed = results?.find(([e]) => e);
    if (failed?.[0]) throw failed[0];
  }

  async lrange(key: string, start: number, stop: number): Promise<string[]> {
    return this.client.lrange(key, start, stop);
  }

  async setIfUnchanged(
    guardKey: string,
    expected: string | null,
    key: string,
    value: string,
    ttlMs: number,
  ): Promise<boolean> {
    const result = await this.scripts.sentinelSetIfUnchanged(
      guardKey,
      key,
      expected ?? '',
      expected === null ? '0' : '1',
      value,
      String(ttlMs),
    );
    return result === 1;
  }

  async takeToken(key: string, ratePerMinute: number, burst: number, cost = 1): Promise<TokenTake> {
    const ttl = bucketTtlMs(ratePerMinute, burst);
    const [ok, retry] = await this.scripts.sentinelTakeToken(
      key,
      String(ratePerMinute),
      String(burst),
      String(cost),
      String(ttl),
    );
    return { ok: ok === 1, retryAfterMs: Number(retry) };
  }

  async publish(channel: string, message: string): Promise<void> {
    // PUBLISH does not apply keyPrefix; prefix channels ourselves so deployments don't mix.
    await this.client.publish(this.options.keyPrefix + channel, message);
  }

  async subscribe(channel: string, handler: KvMessageHandler): Promise<() => Promise<void>> {
    const sub = this.ensureSubscriber();
    const full = this.options.keyPrefix + channel;
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      await sub.subscribe(full);
    }
    set.add(handler);
    return async () => {
      set?.delete(handler);
      if (set && set.size === 0) {
        this.handlers.delete(full);
        await sub.unsubscribe(full).catch(() => undefined);
      }
    };
  }

  private ensureSubscriber(): Redis {
    if (!this.subscriber) {
      // The subscriber keeps an offline queue: SUBSCRIBE is replayed when it reconnects (to the
      // new master after a failover, with Sentinel).
      const subscriber = this.connect({
        password: this.options.password || undefined,
        connectTimeout: 2_000,
        retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
        autoResubscribe: true,
      });
      this.subscriber = subscriber;
      let connectedBefore = false;
      let lost = false;
      subscriber.on('ready', () => {
        const reconnected = connectedBefore && lost;
        connectedBefore = true;
        lost = false;
        if (!reconnected) return;
        // Messages published while the subscriber was away are gone: tell the listeners, once the
        // SUBSCRIBE that ioredis replays right after 'ready' is through (PING is answered after it).
        const notify = () => {
          for (const l of this.reconnectListeners) l();
        };
        process.nextTick(() => void subscriber.ping().then(notify, notify));
      });
      subscriber.on('close', () => (lost = connectedBefore));
      subscriber.on('error', () => undefined);
      this.subscriber.on('message', (channel: string, message: string) => {
        const set = this.handlers.get(channel);
        if (set) for (const h of set) h(message);
      });
    }
    return this.subscriber;
  }

  onResubscribed(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  isUp(): boolean {
    return !this.closed && this.client.status === 'ready';
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.client.quit(), this.subscriber?.quit()]);
    this.client.disconnect();
    this.subscriber?.disconnect();
  }
}
