import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { serviceAddress } from '@sentinel/testing-support';

interface Link {
  client: Socket;
  /** latin1 text Sentinel sent on this connection since hold(), capped. */
  sent: string;
  /** Answers held back on this connection, in order. */
  queue: Buffer[];
}

/**
 * A TCP relay the test owns (like TcpRelay) that can HOLD the service's answers to chosen
 * queries: after hold(needle), a connection on which Sentinel sends `needle` (e.g. a token hash,
 * which PostgreSQL's extended protocol carries as a bind parameter) gets no more answers until
 * release() — a delay injected at an exact point, without timing guesses. Other connections
 * (new pool connections, other queries) flow normally.
 */
export class HeldRelay {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private readonly links = new Set<Link>();
  private needle: string | null = null;
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  /** A relay to the test PostgreSQL or Redis (TEST_PG_ADMIN_DSN / TEST_REDIS_URL). */
  static to(service: 'postgres' | 'redis'): HeldRelay {
    const { host, port } = serviceAddress(service);
    return new HeldRelay(port, host);
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      const service = connect(this.targetPort, this.targetHost);
      const link: Link = { client, sent: '', queue: [] };
      this.links.add(link);
      this.track(client);
      this.track(service);
      client.on('data', (d: Buffer) => {
        if (this.needle !== null && link.sent.length < 1_000_000) link.sent += d.toString('latin1');
        service.write(d);
      });
      service.on('data', (d: Buffer) => {
        if (this.isHeld(link)) link.queue.push(d);
        else client.write(d);
      });
      const close = () => {
        this.links.delete(link);
        client.destroy();
        service.destroy();
      };
      for (const s of [client, service]) {
        s.on('error', close);
        s.on('close', close);
      }
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** From now on, connections that send `needle` get no answers until release(). */
  hold(needle: string): void {
    this.needle = needle;
    for (const link of this.links) link.sent = '';
  }

  /** Delivers every held answer, in order, and stops holding. */
  release(): void {
    this.needle = null;
    for (const link of this.links) {
      const queued = link.queue;
      link.queue = [];
      for (const d of queued) if (!link.client.destroyed) link.client.write(d);
    }
  }

  /** How many connections have sent the needle since hold() (each is now held). */
  heldConnections(): number {
    let n = 0;
    for (const link of this.links) if (this.isHeld(link)) n++;
    return n;
  }

  private isHeld(link: Link): boolean {
    return this.needle !== null && link.sent.includes(this.needle);
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  async stop(): Promise<void> {
    this.release();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
