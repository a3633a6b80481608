import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nginxPath } from '@sentinel/testing-support';
import { freePort } from './free-port';
import { WORKSPACE } from './sentinel-process';

/** NGINX_PATH, or Debian's nginx; suites that run it declare describeWithServices([…, 'nginx'], …). */
export const NGINX_BIN = nginxPath();

/**
 * The project's own nginx/nginx.conf, run by Debian's nginx. Only ports and paths are
 * substituted: the listen address, the upstream servers, the console root and the pid file.
 */
export class NginxProcess {
  port = 0;
  output = '';
  private child: ChildProcess | undefined;
  private dir = '';

  constructor(private readonly upstreams: string[]) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  config(): string {
    const original = readFileSync(join(WORKSPACE, 'nginx/nginx.conf'), 'utf8');
    const replace = (text: string, from: string, to: string) => {
      if (!text.includes(from)) throw new Error(`nginx.conf no longer contains ${JSON.stringify(from)}`);
      return text.split(from).join(to);
    };
    let conf = original;
    conf = replace(conf, 'listen 80;', `listen 127.0.0.1:${this.port};`);
    conf = replace(conf, 'server sentinel-app:7000;', this.upstreams.map((u) => `server ${u};`).join('\n        '));
    conf = replace(conf, 'root /usr/share/nginx/html;', `root ${join(this.dir, 'html')};`);
    conf = replace(conf, 'pid /tmp/nginx.pid;', `pid ${join(this.dir, 'nginx.pid')};`);
    return conf;
  }

  async start(): Promise<this> {
    if (!NGINX_BIN) throw new Error('nginx is not installed (apt-get install nginx)');
    this.port = await freePort();
    this.dir = mkdtempSync(join(tmpdir(), 'sentinel-nginx-'));
    chmodSync(this.dir, 0o755); // nginx's workers run unprivileged and must reach the console files
    mkdirSync(join(this.dir, 'html/admin'), { recursive: true });
    symlinkSync(join(WORKSPACE, 'dist/apps/console/browser'), join(this.dir, 'html/admin/ui'));
    mkdirSync(join(this.dir, 'logs'));
    const conf = join(this.dir, 'nginx.conf');
    writeFileSync(conf, this.config());
    const test = spawnSync(NGINX_BIN, ['-t', '-p', this.dir, '-c', conf], { encoding: 'utf8' });
    if (test.status !== 0) throw new Error(`nginx -t failed:\n${test.stderr}`);
    this.child = spawn(NGINX_BIN, ['-p', this.dir, '-c', conf, '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    // Ready when it accepts connections (the pid file can appear before the socket listens).
    for (let i = 0; i < 100; i++) {
      const accepting = await new Promise<boolean>((resolve) => {
        const socket = connect(this.port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
      if (accepting) return this;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nginx did not start:\n${this.output}`);
  }

  /** `nginx -t` on the substituted config; returns its output. */
  static test(conf: string, dir: string): { ok: boolean; output: string } {
    const r = spawnSync(NGINX_BIN as string, ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' });
    return { ok: r.status === 0, output: r.stderr };
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGQUIT');
      await new Promise((r) => this.child?.once('exit', r));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
