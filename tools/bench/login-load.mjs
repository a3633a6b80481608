#!/usr/bin/env node
// Login cost under load: what one scrypt password check costs (N = 2^17, r = 8, p = 1, as
// libs/server/admin/src/lib/accounts/password-hash.ts), and the proxied p99 latency of the built
// Sentinel with and without 20 sign-ins running in parallel the whole time. Prints figures; asserts
// nothing. Uses the embedded storage (no PostgreSQL or Redis needed) and dist/ (build first:
// `npx nx build sentinel`).
//
//   node tools/bench/login-load.mjs
//   LOGIN_BENCH_SECONDS (default 8)   duration of each latency sample
//   LOGIN_BENCH_PORT    (default 17310) first of the two ports used (Sentinel, fake upstream)
import { spawn } from 'node:child_process';
import { scrypt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SECONDS = Number(process.env.LOGIN_BENCH_SECONDS ?? 8);
const PORT = Number(process.env.LOGIN_BENCH_PORT ?? 17310);
const PASSWORD = 'bench-admin-password';
const KEY = `sk-${'l'.repeat(44)}0001`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// 1. One password check, alone (the libuv pool thread's CPU time is the wall time here).
const N = 2 ** 17;
const options = { N, r: 8, p: 1, maxmem: 128 * N * 8 + 16 * 1024 * 1024 };
const once = () =>
  new Promise((res, rej) => {
    const t = process.hrtime.bigint();
    scrypt('correct horse battery', 'salt-salt-salt-1', 32, options, (e) =>
      e ? rej(e) : res(Number(process.hrtime.bigint() - t) / 1e6),
    );
  });
await once();
const costs = [];
for (let i = 0; i < 8; i++) costs.push(await once());
costs.sort((a, b) => a - b);
const median = costs[Math.floor(costs.length / 2)];

// 2. The built server behind a fake upstream.
const upstream = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
});
await new Promise((r) => upstream.listen(PORT + 1, '127.0.0.1', r));
const dataDir = mkdtempSync(join(os.tmpdir(), 'sentinel-login-bench-'));
const child = spawn(process.execPath, [join(root, 'dist/apps/sentinel/main.js')], {
  cwd: dataDir,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    PATH: process.env.PATH,
    APP_PORT: String(PORT),
    APP_HOST: '127.0.0.1',
    DOWNSTREAM_URL: `http://127.0.0.1:${PORT + 1}`,
    SENTINEL_HMAC_SECRET: 'bench-hmac-secret-0123456789abcdef0123456789',
    ADMIN_JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789ab',
    ADMIN_PASSWORD: PASSWORD,
    METRICS_PORT: '0',
    BIND_RATE_PER_ADDRESS: '0',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
  },
});
const stop = () => {
  if (child.exitCode === null) child.kill('SIGTERM');
  upstream.close();
};
process.on('exit', () => {
  stop();
  rmSync(dataDir, { recursive: true, force: true });
});
const base = `http://127.0.0.1:${PORT}`;
const call = (method, path, body) =>
  new Promise((res, rej) => {
    const req = http.request(
      `${base}${path}`,
      { method, headers: body ? { 'content-type': 'application/json' } : {}, agent: false },
      (r) => {
        r.resume();
        r.on('end', () => res(r.statusCode));
      },
    );
    req.on('error', rej);
    req.end(body ? JSON.stringify(body) : undefined);
  });
for (let i = 0; ; i++) {
  if ((await call('GET', '/health').catch(() => 0)) === 200) break;
  if (i > 600 || child.exitCode !== null) throw new Error('Sentinel did not start');
  await sleep(100);
}

const proxied = () =>
  autocannon({
    url: `${base}/v1/models`,
    connections: 20,
    duration: SECONDS,
    headers: { authorization: `Bearer ${KEY}` },
  });

await call('GET', '/v1/models'); // warm
const quiet = await proxied();

let logins = 0;
let running = true;
const loginLoop = async () => {
  while (running) {
    const status = await call('POST', '/admin/api/login', { password: PASSWORD });
    if (status !== 200) throw new Error(`login answered ${status}`);
    logins++;
  }
};
const loops = Array.from({ length: 20 }, loginLoop);
const loaded = await proxied();
running = false;
await Promise.all(loops);

const row = (name, r) =>
  `${name.padEnd(34)} p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  ` +
  `${Math.round(r.requests.average)} req/s  (non-2xx ${r.non2xx})`;
console.log(
  `scrypt verify (N=2^17, r=8, p=1): median ${median.toFixed(0)} ms, min ${costs[0].toFixed(0)} ms, ` +
    `max ${costs.at(-1).toFixed(0)} ms (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'})`,
);
console.log(row('proxied, no logins', quiet));
console.log(row('proxied, 20 parallel logins', loaded));
console.log(`logins completed during the loaded sample: ${logins} (${(logins / SECONDS).toFixed(1)}/s)`);
stop();
process.exit(0);
