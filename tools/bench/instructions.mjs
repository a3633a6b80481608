#!/usr/bin/env node
// Instructions per proxied request, bare http-proxy vs Sentinel, counted by valgrind's callgrind:
// instructions, not time, so far steadier than req/s or CPU time on a busy machine (only V8's
// background compiler, finishing later under load, can still shift it a little) — for comparing
// builds where req/s and CPU time are too noisy. Not part of `npm run bench`
// (each proxy boots under valgrind: ~6 minutes in all). Needs valgrind, PostgreSQL and Redis.
//
//   node tools/bench/instructions.mjs [requests=2000] [warm-up=3000]   (after `npx nx build sentinel`)
//   INSTR_SKIP_BARE=1 …                                 (Sentinel only, e.g. a second build)
//   SENTINEL_MAIN=/path/to/other/main.js …              (another build of Sentinel, e.g. a baseline)
//
// For each proxy: boot under callgrind, warm the JIT with 3,000 requests, zero the counters, count
// 3 s idle (timers), then `requests` GETs at c=8 through the cached path; instructions per request =
// (load − idle rate × load time) / requests. Prints one JSON line per proxy and the ratio.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { deleteTestKeys, pgDsnFor, testPgAdminDsn, testRedisUrl } from '../test/services.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const N = Number(process.argv[2] ?? 2000);
const WARMUP = Number(process.argv[3] ?? 3000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const KEY = `sk-${'b'.repeat(44)}0001`;
const headers = { authorization: `Bearer ${KEY}`, 'x-real-ip': '127.0.0.1' };
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const get = (url) =>
  new Promise((resolve, reject) =>
    http
      .get(url, { headers, agent }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode));
      })
      .on('error', reject),
  );
async function load(url, n) {
  let i = 0;
  let bad = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (i++ < n) if ((await get(url)) !== 200) bad++;
    }),
  );
  return bad;
}
const firstJson = (p) =>
  new Promise((resolve) => {
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
  });

const dir = mkdtempSync(join(os.tmpdir(), 'sentinel-callgrind-'));
const upstream = spawn(process.execPath, [join(root, 'tools/bench/servers.mjs'), 'upstream'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const upPort = (await firstJson(upstream)).port;

async function measure(label, args, env, portOf) {
  const vg = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--smc-check=all-non-file',
      `--callgrind-out-file=${dir}/${label}.%p`,
      process.execPath,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  vg.stderr.resume();
  const port = await portOf(vg);
  const url = `http://127.0.0.1:${port}/v1/models`;
  for (let i = 0; ; i++) {
    if ((await get(url).catch(() => 0)) === 200) break;
    if (i > 1200) throw new Error(`${label} did not answer`);
    await sleep(500);
  }
  await load(url, WARMUP);
  const control = (...a) => execFileSync('callgrind_control', [...a, String(vg.pid)], { stdio: 'ignore' });
  control('-z');
  const idleStart = Date.now();
  await sleep(3000);
  control('-d', 'idle');
  const idleSeconds = (Date.now() - idleStart) / 1000;
  const loadStart = Date.now();
  const bad = await load(url, N);
  control('-d', 'load');
  const loadSeconds = (Date.now() - loadStart) / 1000;
  vg.kill('SIGKILL');
  await sleep(500);
  const dumps = readdirSync(dir)
    .filter((f) => f.startsWith(`${label}.`))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
  const total = (trigger) =>
    Number(/^summary: (\d+)/m.exec(dumps.find((d) => d.includes(`Trigger: dump ${trigger}\n`)) ?? '')?.[1] ?? NaN);
  const idle = total('idle');
  const loaded = total('load');
  const perRequest = Math.round((loaded - (idle / idleSeconds) * loadSeconds) / N);
  const r = {
    label,
    requests: N,
    non200: bad,
    instructionsPerRequest: perRequest,
    idleInstructionsPerSecond: Math.round(idle / idleSeconds),
    loadSeconds,
  };
  console.log(JSON.stringify(r));
  return r;
}

const admin = new pg.Client({ connectionString: testPgAdminDsn() });
await admin.connect();
const db = `sentinel_callgrind_${randomBytes(4).toString('hex')}`;
const keyPrefix = `sentinel-bench:callgrind-${randomBytes(4).toString('hex')}:`;
await admin.query(`CREATE DATABASE ${db}`);
try {
  const bare = process.env.INSTR_SKIP_BARE
    ? null
    : await measure(
        'bare',
        [join(root, 'tools/bench/servers.mjs'), 'bare', String(upPort)],
        process.env,
        async (vg) => (await firstJson(vg)).port,
      );
  const port = 20000 + Math.floor(Math.random() * 20000);
  const sentinel = await measure(
    'sentinel',
    [process.env.SENTINEL_MAIN ?? join(root, 'dist/apps/sentinel/main.js')],
    {
      PATH: process.env.PATH,
      APP_PORT: String(port),
      APP_HOST: '127.0.0.1',
      DOWNSTREAM_URL: `http://127.0.0.1:${upPort}`,
      PG_DSN: pgDsnFor(db),
      REDIS_ADDR: testRedisUrl(),
      REDIS_KEY_PREFIX: keyPrefix,
      TRUSTED_PROXY_IPS: '127.0.0.1',
      SENTINEL_HMAC_SECRET: 'bench-hmac-secret-0123456789abcdef0123456789',
      ADMIN_JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789ab',
      ADMIN_PASSWORD: 'bench-admin-password',
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      DATA_DIR: dir,
    },
    async () => port,
  );
  if (bare)
    console.log(
      `bare http-proxy / Sentinel instructions per request: ${(bare.instructionsPerRequest / sentinel.instructionsPerRequest).toFixed(2)}×`,
    );
} finally {
  upstream.kill();
  agent.destroy();
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
  await deleteTestKeys(keyPrefix).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
