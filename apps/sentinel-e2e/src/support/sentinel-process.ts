import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port';
import { E2E_SECRETS } from '@sentinel/testing-support';

export const WORKSPACE = resolve(__dirname, '../../../..');
export const SERVER_MAIN = join(WORKSPACE, 'dist/apps/sentinel/main.js');

export const TEST_SECRETS = E2E_SECRETS;

export interface SentinelOptions {
  env?: Record<string, string | undefined>;
  /** Keep the data directory between restarts (embedded PostgreSQL persistence). */
  dataDir?: string;
  waitForHealth?: boolean;
}

/** The built Sentinel server as a child process on a free port. */
export class SentinelProcess {
  child!: ChildProcess;
  port = 0;
  output = '';
  /** stderr alone (the start-up notices and summary), also part of `output`. */
  stderr = '';
  exitCode: number | null = null;
  private ownsDataDir = false;
  dataDir = '';

  constructor(private readonly options: SentinelOptions = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    if (!existsSync(SERVER_MAIN)) {
      throw new Error(`${SERVER_MAIN} is missing: build first (npx nx build sentinel)`);
    }
    this.port = await freePort();
    if (this.options.dataDir) this.dataDir = this.options.dataDir;
    else {
      this.dataDir = mkdtempSync(join(tmpdir(), 'sentinel-e2e-'));
      this.ownsDataDir = true;
    }
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      APP_PORT: String(this.port),
      APP_HOST: '0.0.0.0',
      DATA_DIR: this.dataDir,
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '5000',
      // Suites bind many keys from loopback; the first-use bound is off unless a test sets it.
      BIND_RATE_PER_ADDRESS: '0',
      ...TEST_SECRETS,
    };
    for (const [k, v] of Object.entries(this.options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    this.child = spawn(process.execPath, [SERVER_MAIN], { cwd: this.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => {
      this.output += d.toString();
      this.stderr += d.toString();
    });
    this.child.once('exit', (code) => (this.exitCode = code ?? -1));
    if (this.options.waitForHealth !== false) await this.waitForHealth();
    return this;
  }

  /** 90 s: only a bound for a process that never comes up; a busy CI machine can take 30 s and more. */
  async waitForHealth(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitCode !== null) throw new Error(`Sentinel exited with ${this.exitCode}:\n${this.output}`);
      const ok = await new Promise<boolean>((res) => {
        const r = request(`${this.url}/health`, (resp) => {
          resp.resume();
          res(resp.statusCode === 200);
        });
        r.on('error', () => res(false));
        r.end();
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Sentinel did not become healthy:\n${this.output}`);
  }

  /** Resolves with the exit code. */
  waitForExit(timeoutMs = 20_000): Promise<number> {
    if (this.exitCode !== null) return Promise.resolve(this.exitCode);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`Sentinel did not exit:\n${this.output}`)), timeoutMs);
      this.child.once('exit', (code) => {
        clearTimeout(t);
        resolve(code ?? -1);
      });
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
    if (this.exitCode === null) this.child.kill(signal);
    const code = await this.waitForExit();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }
}
