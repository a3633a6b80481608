import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { redisServerPath } from '@sentinel/testing-support';
import { freePort } from './free-port';

interface Node {
  name: string;
  port: number;
  child: ChildProcess;
  output: string;
  exited: boolean;
}

/**
 * A Redis Sentinel group of our own on loopback: a master, one replica and three sentinels
 * (`redis-server --sentinel`), each on a free port with its own temp directory. Nothing touches the
 * shared Redis. `stop()` kills every process it started and removes the directories.
 */
export class RedisSentinelGroup {
  readonly masterName = 'sentinel-e2e';
  private readonly dir = mkdtempSync(join(tmpdir(), 'sentinel-redis-ha-'));
  private readonly nodes: Node[] = [];
  private bin = '';
  private readonly common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
  master!: Node;
  replica!: Node;
  sentinels: Node[] = [];

  /** `host:port,…` for REDIS_SENTINELS. */
  get sentinelAddrs(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  async start(): Promise<this> {
    const bin = redisServerPath();
    if (!bin) throw new Error('redis-server is not installed');
    this.bin = bin;
    const common = this.common;
    const masterPort = await freePort();
    this.master = this.spawn(bin, 'master', masterPort, ['--port', String(masterPort), ...common]);
    const replicaPort = await freePort();
    this.replica = this.spawn(bin, 'replica', replicaPort, [
      '--port',
      String(replicaPort),
      ...common,
      '--replicaof',
      '127.0.0.1',
      String(masterPort),
    ]);
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(this.dir, `sentinel-${i}.conf`);
      // Sentinel rewrites its configuration file, so each gets its own, writable.
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${this.dir}`,
          `sentinel monitor ${this.masterName} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${this.masterName} 1000`,
          `sentinel failover-timeout ${this.masterName} 10000`,
          `sentinel parallel-syncs ${this.masterName} 1`,
          '',
        ].join('\n'),
      );
      this.sentinels.push(this.spawn(bin, `sentinel-${i}`, port, [conf, '--sentinel']));
    }
    await this.waitFormed();
    return this;
  }

  private spawn(bin: string, name: string, port: number, args: string[]): Node {
    const child = spawn(bin, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const node: Node = { name, port, child, output: '', exited: false };
    child.stdout?.on('data', (d: Buffer) => (node.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (node.output += d.toString()));
    child.once('exit', () => (node.exited = true));
    this.nodes.push(node);
    return node;
  }

  /** A short-lived client to one node. */
  async on<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
    const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return await fn(r);
    } finally {
      r.disconnect();
    }
  }

  /** `SENTINEL MASTER <name>` as a map, from one sentinel. */
  private async sentinelView(port: number): Promise<Record<string, string>> {
    const flat = await this.on(port, (r) => r.call('SENTINEL', 'MASTER', this.masterName) as Promise<string[]>);
    const view: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) view[flat[i]] = flat[i + 1];
    return view;
  }

  /** Waits until the replica is in sync and every sentinel sees it and the two other sentinels. */
  private async waitFormed(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const info = await this.on(this.replica.port, (r) => r.info('replication'));
        const views = await Promise.all(this.sentinels.map((s) => this.sentinelView(s.port)));
        last = JSON.stringify(views.map((v) => [v['num-slaves'], v['num-other-sentinels'], v['flags']]));
        if (
          /master_link_status:up/.test(info) &&
          views.every((v) => v['num-slaves'] === '1' && v['num-other-sentinels'] === '2' && v['flags'] === 'master')
        )
          return;
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`Redis Sentinel group did not form: ${last}\n${this.logs()}`);
  }

  /** The master's port as a majority of sentinels reports it now. */
  async masterPortNow(): Promise<number | null> {
    const answers = await Promise.all(
      this.sentinels
        .filter((s) => !s.exited)
        .map((s) =>
          this.on(s.port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName) as Promise<string[]>)
            .then((a) => Number(a[1]))
            .catch(() => null),
        ),
    );
    const counts = new Map<number, number>();
    for (const p of answers) if (p !== null) counts.set(p, (counts.get(p) ?? 0) + 1);
    for (const [port, n] of counts) if (n >= 2) return port;
    return null;
  }

  /**
   * Starts the killed first master again on its port, as a replica of the current master, and
   * waits until it is in sync and every sentinel counts it as a healthy replica.
   */
  async restartOldMasterAsReplica(currentMasterPort: number, timeoutMs = 30_000): Promise<void> {
    const port = this.master.port;
    const node = this.spawn(this.bin, 'old-master', port, [
      '--port',
      String(port),
      ...this.common,
      '--replicaof',
      '127.0.0.1',
      String(currentMasterPort),
    ]);
    [this.master, this.replica] = [this.replica, node];
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const info = await this.on(port, (r) => r.info('replication'));
        const replicas = await Promise.all(
          this.sentinels.map((s) =>
            this.on(s.port, (r) => r.call('SENTINEL', 'REPLICAS', this.masterName) as Promise<string[][]>),
          ),
        );
        const flagsOf = (list: string[][]) =>
          list
            .map((flat) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : []))))
            .find((r) => r['port'] === String(port))?.['flags'];
        last = JSON.stringify(replicas.map(flagsOf));
        if (/master_link_status:up/.test(info) && replicas.every((list) => flagsOf(list) === 'slave')) return;
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`old master did not rejoin as a replica: ${last}\n${this.logs()}`);
  }

  /** `SENTINEL FAILOVER`: a graceful switch, the master is demoted to a replica (no process dies). */
  async forceFailover(): Promise<void> {
    await this.on(this.sentinels[0].port, (r) => r.call('SENTINEL', 'FAILOVER', this.masterName));
    [this.master, this.replica] = [this.replica, this.master];
  }

  /** Kills the master outright (SIGKILL: no goodbye to clients or sentinels). */
  killMaster(): void {
    this.master.child.kill('SIGKILL');
  }

  /** Whether the node on `port` reports itself as master (ROLE). */
  async isMaster(port: number): Promise<boolean> {
    const role = await this.on(port, (r) => r.call('ROLE') as Promise<unknown[]>);
    return role[0] === 'master';
  }

  logs(): string {
    return this.nodes.map((n) => `--- ${n.name} (:${n.port})\n${n.output.slice(-2000)}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.exited) return resolve();
            n.child.once('exit', () => resolve());
            n.child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
