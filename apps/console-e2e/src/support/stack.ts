import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import {
  E2E_SECRETS,
  createE2eDatabase,
  deleteRedisKeys,
  testRedisPrefix,
  testRedisUrl,
  type E2eDatabase,
} from '@sentinel/testing-support';

export const WORKSPACE = resolve(__dirname, '../../../..');
const SERVER_MAIN = join(WORKSPACE, 'dist/apps/sentinel/main.js');
const CONSOLE_INDEX = join(WORKSPACE, 'dist/apps/console/browser/index.html');

/** The same throw-away secrets as apps/sentinel-e2e. */
export const SECRETS = E2E_SECRETS;

export function tokenIdOf(key: string): string {
  return createHmac('sha256', SECRETS.SENTINEL_HMAC_SECRET).update(key).digest('hex');
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

/** GET through Sentinel from a chosen loopback address (127.0.0.x: the client IP a binding sees). */
export function relay(base: string, key: string, from: string): Promise<number> {
  return new Promise((res, rej) => {
    const r = request(
      `${base}/v1/models`,
      { headers: { authorization: `Bearer ${key}` }, localAddress: from, agent: false },
      (resp) => {
        resp.resume();
        resp.on('end', () => res(resp.statusCode ?? 0));
      },
    );
    r.on('error', rej);
    r.end();
  });
}

/**
 * The built Sentinel, serving the built console, on real PostgreSQL (a database of its own) and
 * Redis (a key prefix of its own), in front of a tiny fake New API that answers every request.
 */
export class ConsoleStack {
  private upstream!: Server;
  private child!: ChildProcess;
  private db: E2eDatabase | undefined;
  private prefix = '';
  private dataDir = '';
  private exited: number | null = null;
  output = '';
  url = '';
  /** Requests the fake upstream received: proxied traffic that Sentinel let through. */
  upstreamRequests = 0;

  /** `env`: more environment for the server, given the URL it will listen on. */
  constructor(private readonly env: (url: string) => Record<string, string> = () => ({})) {}

  async start(): Promise<this> {
    for (const file of [SERVER_MAIN, CONSOLE_INDEX]) {
      if (!existsSync(file)) throw new Error(`${file} is missing: build sentinel and console first`);
    }
    this.db = await createE2eDatabase('sentinel_console_e2e');
    this.prefix = testRedisPrefix('sentinel-console-e2e');
    this.upstream = createServer((req, res) => {
      if (req.url !== '/api/status') this.upstreamRequests++; // not Sentinel's New API probe
      req.resume();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data: [] }));
    });
    await new Promise<void>((r) => this.upstream.listen(0, '127.0.0.1', r));
    const upstreamPort = (this.upstream.address() as AddressInfo).port;
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.dataDir = mkdtempSync(join(tmpdir(), 'console-e2e-'));
    this.child = spawn(process.execPath, [SERVER_MAIN], {
      cwd: this.dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '/tmp',
        APP_PORT: String(port),
        APP_HOST: '0.0.0.0',
        DATA_DIR: this.dataDir,
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        SHUTDOWN_GRACE_MS: '3000',
        BIND_RATE_PER_ADDRESS: '0', // tests bind many keys from loopback
        DOWNSTREAM_URL: `http://127.0.0.1:${upstreamPort}`,
        PG_DSN: this.db.dsn(),
        REDIS_ADDR: testRedisUrl(),
        REDIS_KEY_PREFIX: this.prefix,
        ...SECRETS,
        ...this.env(this.url),
      },
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.once('exit', (code) => (this.exited = code ?? -1));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.exited !== null) throw new Error(`Sentinel exited with ${this.exited}:\n${this.output}`);
      const ok = await new Promise<boolean>((res) => {
        // Ready: PostgreSQL (migrated) and Redis are both up.
        const r = request(`${this.url}/health/ready`, (resp) => {
          resp.resume();
          res(resp.statusCode === 200);
        });
        r.on('error', () => res(false));
        r.end();
      });
      if (ok) return this;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`Sentinel did not become healthy:\n${this.output}`);
  }

  async stop(): Promise<void> {
    if (this.child && this.exited === null) {
      const done = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), 10_000)));
      if ((await Promise.race([done, late])) === 'late') this.child.kill('SIGKILL');
      clearTimeout(timer);
    }
    this.child?.stdout?.destroy();
    this.child?.stderr?.destroy();
    this.upstream?.closeAllConnections();
    await new Promise((r) => (this.upstream ? this.upstream.close(r) : r(undefined)));
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    await this.db?.drop();
    if (this.prefix) await deleteRedisKeys(this.prefix);
  }

  /** A proxied GET /v1/models with `key`, sent from the loopback address `from`. */
  /** A statement on the stack's own database (test fixtures). */
  query(sql: string, params: unknown[] = []): Promise<unknown[]> {
    if (!this.db) throw new Error('the stack is not started');
    return this.db.query(sql, params);
  }

  relay(key: string, from: string): Promise<number> {
    return relay(this.url, key, from);
  }
}
