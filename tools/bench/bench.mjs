#!/usr/bin/env node
// `npm run bench`: Sentinel against a direct connection and a bare http-proxy keep-alive proxy,
// in one run, interleaved so the ratios hold on a noisy machine. Prints figures; asserts nothing.
//
//   BENCH_SECONDS (default 4)  duration of one throughput sample
//   BENCH_ROUNDS  (default 3)  interleaved rounds per scenario (the median is reported)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { countingRelay } from './counting-relay.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const KEY = `sk-${'b'.repeat(44)}0001`;

function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

// --- build and boot ------------------------------------------------------------------------
if (!process.env.BENCH_SKIP_BUILD) {
  const b = spawnSync('npx', ['nx', 'build', 'sentinel', '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const main = join(root, 'dist/apps/sentinel/main.js');
if (!existsSync(main)) throw new Error(`${main} missing`);

const dbName = `sentinel_bench_${randomBytes(5).toString('hex')}`;
const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const prefix = `sentinel-bench:${randomBytes(5).toString('hex')}:`;

const children = [];
const cleanups = [];
async function cleanup() {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  for (const f of cleanups) await f();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

const servers = spawn(process.execPath, [join(root, 'tools/bench/servers.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
children.push(servers);
const ports = await new Promise((resolve) => servers.stdout.once('data', (d) => resolve(JSON.parse(d.toString()))));

const pgRelay = await countingRelay(5432, 'postgres');
const redisRelay = await countingRelay(6379, 'redis');
cleanups.push(() => pgRelay.close(), () => redisRelay.close());

const sentinelPort = await new Promise((r) => {
  const s = http.createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => r(p));
  });
});
const dataDir = mkdtempSync(join(os.tmpdir(), 'sentinel-bench-'));
cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
const sentinel = spawn(process.execPath, [main], {
  cwd: dataDir,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    PATH: process.env.PATH,
    APP_PORT: String(sentinelPort),
    APP_HOST: '127.0.0.1',
    DOWNSTREAM_URL: `http://127.0.0.1:${ports.upstreamPort}`,
    PG_DSN: `postgresql://postgres@127.0.0.1:${pgRelay.port}/${dbName}`,
    REDIS_ADDR: `redis://127.0.0.1:${redisRelay.port}/0`,
    REDIS_KEY_PREFIX: prefix,
    SENTINEL_HMAC_SECRET: 'bench-hmac-secret-0123456789abcdef0123456789',
    ADMIN_JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789ab',
    ADMIN_PASSWORD: 'bench-admin-password',
    METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
  },
});
children.push(sentinel);
for (let i = 0; ; i++) {
  const ok = await get(`http://127.0.0.1:${sentinelPort}/health`).then((r) => r.status === 200, () => false);
  if (ok) break;
  if (i > 300) throw new Error('Sentinel did not start');
  await sleep(100);
}
cleanups.push(async () => {
  const { default: Redis } = await import('ioredis');
  const r = new Redis('redis://127.0.0.1:6379/0');
  const keys = await r.keys(`${prefix}*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
});

const targets = {
  direct: `http://127.0.0.1:${ports.upstreamPort}`,
  'http-proxy': `http://127.0.0.1:${ports.barePort}`,
  sentinel: `http://127.0.0.1:${sentinelPort}`,
};
const headers = { authorization: `Bearer ${KEY}` };

// First use binds the key; from here on every Sentinel request is the cached path.
const first = await get(`${targets.sentinel}/v1/models`, headers);
if (first.status !== 200) throw new Error(`warm-up request failed: ${first.status}`);

// --- helpers -------------------------------------------------------------------------------
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
function get(url, h = {}, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: h, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', reject);
  });
}
async function cannon(url, connections, opts = {}) {
  const r = await autocannon({ url, connections, duration: SECONDS, headers, ...opts });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}
/** Sequential requests on one keep-alive connection: latency in microseconds. */
async function serialLatency(url, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 200; i++) await get(url, headers, agent);
  const samples = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await get(url, headers, agent);
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  agent.destroy();
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(n * 0.5)], p99: samples[Math.floor(n * 0.99)] };
}
/** Time to response headers and to the first SSE event, sequentially, in ms. */
async function sseTimings(url, n) {
  const heads = [];
  const firsts = [];
  for (let i = 0; i < n; i++) {
    await new Promise((resolve, reject) => {
      const t = process.hrtime.bigint();
      const req = http.request(`${url}/v1/sse`, { method: 'POST', headers }, (res) => {
        heads.push(Number(process.hrtime.bigint() - t) / 1e6);
        let got = false;
        res.on('data', () => {
          if (!got) {
            got = true;
            firsts.push(Number(process.hrtime.bigint() - t) / 1e6);
          }
        });
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{"stream":true}');
    });
  }
  const med = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  return { headers: med(heads), firstEvent: med(firsts) };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// --- scenarios -----------------------------------------------------------------------------
const scenarios = [
  { name: 'GET /v1/models c=64', run: (u) => cannon(`${u}/v1/models`, 64) },
  { name: 'GET /v1/models c=1', run: (u) => cannon(`${u}/v1/models`, 1) },
  { name: 'POST 1 KB c=64', run: (u) => cannon(`${u}/v1/chat/completions`, 64, { method: 'POST', body: 'x'.repeat(1024), headers: { ...headers, 'content-type': 'application/json' } }) },
];
const results = {};
let sentinelRequests = 0;
const storageBefore = { redis: redisRelay.counts.commands, pg: pgRelay.counts.commands };

for (const s of scenarios) {
  log(`${s.name}: ${ROUNDS} rounds × ${Object.keys(targets).length} targets × ${SECONDS}s`);
  const samples = Object.fromEntries(Object.keys(targets).map((t) => [t, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [t, url] of Object.entries(targets)) {
      const r = await s.run(url);
      if (t === 'sentinel') sentinelRequests += r.rps * SECONDS;
      if (r.non2xx || r.errors) log(`  ${t}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      samples[t].push(r);
    }
  }
  results[s.name] = Object.fromEntries(
    Object.entries(samples).map(([t, rs]) => [t, { rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) }]),
  );
}
log('serial latency at c=1 (2,000 requests each, interleaved)');
const lat = Object.fromEntries(Object.keys(targets).map((t) => [t, []]));
for (let round = 0; round < ROUNDS; round++) for (const [t, url] of Object.entries(targets)) lat[t].push(await serialLatency(`${url}/v1/models`, 2000));
sentinelRequests += ROUNDS * 2200;
const latency = Object.fromEntries(Object.entries(lat).map(([t, rs]) => [t, { p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) }]));

await sleep(6000); // let the periodic bookkeeping flush land inside the measurement
const storage = { redis: redisRelay.counts.commands - storageBefore.redis, pg: pgRelay.counts.commands - storageBefore.pg };

log('SSE time to headers and first event (100 streams each)');
const sse = Object.fromEntries(await Promise.all([]));
for (const [t, url] of Object.entries(targets)) sse[t] = await sseTimings(url, 100);

// --- report --------------------------------------------------------------------------------
const cpu = os.cpus();
const machine = `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
const lines = [];
const f = (n, d = 0) => (n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
lines.push(`Sentinel benchmark — ${new Date().toISOString()}`);
lines.push(`machine: ${machine}; load generator in the same run (autocannon); ${ROUNDS} interleaved rounds of ${SECONDS}s, medians`);
lines.push('');
lines.push('| scenario | target | req/s | p50 ms | p99 ms | × direct | × http-proxy |');
lines.push('|---|---|---:|---:|---:|---:|---:|');
for (const [name, byTarget] of Object.entries(results)) {
  for (const [t, r] of Object.entries(byTarget)) {
    lines.push(`| ${name} | ${t} | ${f(r.rps)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${f(r.rps / byTarget.direct.rps, 2)} | ${f(r.rps / byTarget['http-proxy'].rps, 2)} |`);
  }
}
lines.push('');
lines.push('| serial GET, one keep-alive connection | p50 µs | p99 µs | added p50 vs http-proxy |');
lines.push('|---|---:|---:|---:|');
for (const [t, r] of Object.entries(latency)) {
  lines.push(`| ${t} | ${f(r.p50)} | ${f(r.p99)} | ${t === 'direct' ? '' : `${f((r.p50 - latency['http-proxy'].p50) / 1000, 3)} ms`} |`);
}
lines.push('');
lines.push('| SSE (100 sequential streams) | headers ms | first event ms |');
lines.push('|---|---:|---:|');
for (const [t, r] of Object.entries(sse)) lines.push(`| ${t} | ${f(r.headers, 2)} | ${f(r.firstEvent, 2)} |`);
lines.push('');
const per1k = (n) => (n / (sentinelRequests / 1000)).toFixed(3);
lines.push(`storage commands during ${f(sentinelRequests)} cached Sentinel requests (counted on the wire): ` +
  `Redis ${storage.redis} (${per1k(storage.redis)} per 1,000), PostgreSQL ${storage.pg} (${per1k(storage.pg)} per 1,000) — ` +
  `the periodic 5 s bookkeeping flushes, not per-request work`);
const report = lines.join('\n');
process.stdout.write(report + '\n');

mkdirSync(join(root, 'bench-results'), { recursive: true });
const out = join(root, 'bench-results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, JSON.stringify({ machine, seconds: SECONDS, rounds: ROUNDS, results, latency, sse, storage, sentinelRequests }, null, 2));
log(`saved ${out}`);
await cleanup();
process.exit(0);
