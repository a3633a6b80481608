import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { serviceAddress } from '@sentinel/testing-support';

/**
 * A TCP relay the test owns, between Sentinel and a shared service (PostgreSQL, Redis), so a
 * test can cut, slow down or reset the dependency without touching the machine's services.
 *
 *  - `cutAll()` / `restore()`: drop every connection and refuse new ones, then accept again.
 *  - `latencyMs`: every chunk, in both directions, is delivered that much later (order kept).
 *  - `resetOnNextCommand(n)`: the next n chunks a client sends are delivered to the service, then
 *    both sides of that connection are reset (RST) before the reply can come back — a reset in
 *    the middle of a command, whose effect on the service may or may not have happened.
 */
export class TcpRelay {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private armedResets = 0;
  port = 0;
  latencyMs = 0;
  /** Connections accepted, and connections reset by `resetOnNextCommand`. */
  readonly stats = { accepted: 0, resets: 0, cuts: 0 };

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  /** A relay to the test PostgreSQL or Redis (TEST_PG_ADMIN_DSN / TEST_REDIS_URL). */
  static to(service: 'postgres' | 'redis'): TcpRelay {
    const { host, port } = serviceAddress(service);
    return new TcpRelay(port, host);
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (this.cut) {
        client.destroy();
        return;
      }
      this.stats.accepted++;
      const upstream = connect(this.targetPort, this.targetHost);
      this.track(client);
      this.track(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      const reset = () => {
        this.stats.resets++;
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      };
      this.pipe(client, upstream, (chunk) => {
        if (this.armedResets > 0) {
          this.armedResets--;
          upstream.write(chunk, () => setImmediate(reset));
          return true;
        }
        return false;
      });
      this.pipe(upstream, client);
      client.on('error', close);
      upstream.on('error', close);
      client.on('close', close);
      upstream.on('close', close);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** from → to, with the current latency; `intercept` may take a chunk over (returns true). */
  private pipe(from: Socket, to: Socket, intercept?: (chunk: Buffer) => boolean): void {
    const pending: { chunk: Buffer; due: number }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      timer = undefined;
      while (pending.length > 0 && pending[0].due <= Date.now()) {
        const { chunk } = pending.shift() as { chunk: Buffer };
        if (to.destroyed) return;
        if (intercept?.(chunk)) continue;
        to.write(chunk);
      }
      if (pending.length > 0) timer = setTimeout(pump, pending[0].due - Date.now());
    };
    from.on('data', (chunk: Buffer) => {
      if (this.latencyMs <= 0 && pending.length === 0) {
        if (intercept?.(chunk)) return;
        to.write(chunk);
        return;
      }
      pending.push({ chunk, due: Date.now() + this.latencyMs });
      if (!timer) timer = setTimeout(pump, Math.max(0, pending[0].due - Date.now()));
    });
    from.on('close', () => clearTimeout(timer));
  }

  /** Drop every connection and refuse new ones. */
  cutAll(): void {
    this.cut = true;
    this.stats.cuts++;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  get isCut(): boolean {
    return this.cut;
  }

  /** Reset the connections carrying the next `n` client chunks, right after delivering them. */
  resetOnNextCommand(n = 1): void {
    this.armedResets += n;
  }

  get pendingResets(): number {
    return this.armedResets;
  }

  /** Open connections through the relay (both sides counted once per pair). */
  get connections(): number {
    return this.sockets.size / 2;
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
