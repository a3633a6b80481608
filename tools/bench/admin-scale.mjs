#!/usr/bin/env node
// Admin queries at scale: boots the BUILT server (dist/apps/sentinel/main.js) against its own
// PostgreSQL database, bulk-loads ADMIN_SCALE_BINDINGS bindings and ADMIN_SCALE_LOGS intercept
// rows (default 1M each, generated in SQL), then measures through the HTTP admin API: binding
// pages (filters × sorts, first and deep pages), log queries, and the CSV export of every log
// row (wall time and the server's peak RSS). Prints a table on stderr and, as the last stdout
// line, one JSON object with the figures. Asserts nothing.
//
//   node tools/bench/admin-scale.mjs            (build first: npx nx build sentinel)
//   ADMIN_SCALE_BINDINGS / ADMIN_SCALE_LOGS     row counts (default 1000000)
//   ADMIN_SCALE_REPEAT                          samples per query, median reported (default 5)
//   ADMIN_SCALE_NODE_ARGS                       extra node flags for the server (e.g. --max-semi-space-size=4)
//   ADMIN_SCALE_KEEP_DB=1                       keep the database (its name is printed) for EXPLAIN
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pgDsnFor, testPgAdminDsn, testRedisUrl } from '../test/services.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const N_BINDINGS = Number(process.env.ADMIN_SCALE_BINDINGS ?? 1_000_000);
const N_LOGS = Number(process.env.ADMIN_SCALE_LOGS ?? 1_000_000);
const REPEAT = Number(process.env.ADMIN_SCALE_REPEAT ?? 5);
const PASSWORD = 'bench-admin-password';
const started = Date.now();

function log(msg) {
  process.stderr.write(`[admin-scale] ${msg}\n`);
}
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

const main = join(root, 'dist/apps/sentinel/main.js');
if (!existsSync(main)) {
  log(`${main} missing: run \`npx nx build sentinel\` first`);
  process.exit(1);
}

// --- database, server ----------------------------------------------------------------------
const dbName = `sentinel_bench_${randomBytes(5).toString('hex')}`;
const prefix = `sentinel-bench:${randomBytes(5).toString('hex')}:`;
const admin = new pg.Client({ connectionString: testPgAdminDsn() });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dataDir = mkdtempSync(join(os.tmpdir(), 'sentinel-admin-scale-'));
let sentinel;
let db;
async function cleanup() {
  if (sentinel && sentinel.exitCode === null) {
    sentinel.kill('SIGTERM');
    await Promise.race([new Promise((r) => sentinel.once('exit', r)), sleep(5000)]);
  }
  if (db) await db.end().catch(() => undefined);
  if (process.env.ADMIN_SCALE_KEEP_DB === '1') log(`kept database ${dbName} (drop it when done)`);
  else await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await admin.end().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
  try {
    const { default: Redis } = await import('ioredis');
    const r = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await r.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    r.disconnect();
  } catch {
    /* Redis cleanup is best effort */
  }
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));

try {
  await run();
} catch (e) {
  log(`failed: ${e.stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

async function run() {
  const port = await new Promise((r) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });
  const nodeArgs = (process.env.ADMIN_SCALE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  sentinel = spawn(process.execPath, [...nodeArgs, main], {
    cwd: dataDir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      APP_PORT: String(port),
      APP_HOST: '127.0.0.1',
      DOWNSTREAM_URL: 'http://127.0.0.1:9',
      PG_DSN: pgDsnFor(dbName),
      REDIS_ADDR: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix,
      SENTINEL_HMAC_SECRET: 'bench-hmac-secret-0123456789abcdef0123456789',
      ADMIN_JWT_SECRET: 'bench-jwt-secret-0123456789abcdef0123456789ab',
      ADMIN_PASSWORD: PASSWORD,
      METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
    },
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await request(`${base}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (i > 600 || sentinel.exitCode !== null) throw new Error('Sentinel did not start');
    await sleep(100);
  }
  log(`server up (pid ${sentinel.pid}), database ${dbName} migrated`);

  // --- bulk load (the server has run the migrations; triggers stay on) ----------------------
  db = new pg.Client({ connectionString: pgDsnFor(dbName) });
  await db.connect();
  const t0 = Date.now();
  await db.query(`SET synchronous_commit = off`);
  await db.query(`SET maintenance_work_mem = '256MB'`);
  const indexes = await dropSecondaryIndexes(['token_bindings', 'intercept_logs']);
  // Triggers off for the bulk load: the intercept counters (when the schema has them) are set
  // below in one statement, as the migration that added them does. The server's own batched
  // writes keep them through the triggers (tested in libs/server/admin paging.int.spec.ts).
  await db.query(`SET session_replication_role = replica`);
  await db.query(`
    INSERT INTO token_bindings (token_hash, token_mask, rule_kind, rule_entries, status, first_ip,
                                first_used_at, last_ip, last_used_at, note, created_at, updated_at)
    SELECT h, 'sk-' || substr(h, 1, 4) || '…' || substr(h, 61, 4), k,
           CASE k WHEN 'single' THEN ARRAY[set_masklen(ip, 32)::cidr]
                  WHEN 'multiple' THEN ARRAY[set_masklen(ip, 32)::cidr, ('192.168.' || (i % 256) || '.0/24')::cidr]
                  ELSE '{}'::cidr[] END,
           CASE WHEN i % 31 = 0 THEN 'banned' ELSE 'active' END,
           ip, created, CASE WHEN used IS NULL THEN NULL ELSE ip END, used,
           CASE WHEN i % 50 = 0 THEN 'team ' || (i % 7) ELSE NULL END, created, created
      FROM (SELECT i, md5(i::text) || md5((i::bigint * 7919)::text) AS h,
                   (ARRAY['single','single','single','multiple','all'])[1 + i % 5] AS k,
                   ('10.' || (i >> 16) % 256 || '.' || (i >> 8) % 256 || '.' || i % 256)::inet AS ip,
                   c AS created,
                   CASE WHEN i % 20 = 0 THEN NULL ELSE c + (random() * (now() - c)) END AS used
              FROM (SELECT i, now() - random() * interval '80 days' AS c
                      FROM generate_series(1, ${N_BINDINGS}) i) g) s`);
  const tBindings = Date.now() - t0;
  // Intercepts: skewed over tokens (a few tokens intercepted very often), 30 days, varied IPs.
  await db.query(`
    INSERT INTO intercept_logs (token_hash, token_mask, client_ip, rule_kind, rule_entries, binding_status,
                                reason, method, path, user_agent, request_id, created_at)
    SELECT b.token_hash, b.token_mask, s.ip, b.rule_kind, b.rule_entries, b.status,
           CASE WHEN b.status = 'banned' THEN 'banned' ELSE 'ip_not_allowed' END,
           (ARRAY['POST','POST','GET'])[1 + s.j % 3],
           (ARRAY['/v1/chat/completions','/v1/embeddings','/v1/models','/v1/responses'])[1 + s.j % 4],
           'bench-agent/' || (s.j % 13), md5(s.j::text), s.at
      FROM (SELECT j, 1 + floor(power(random(), 3) * ${N_BINDINGS})::int AS bid,
                   ('172.' || (16 + j % 16) || '.' || (j >> 8) % 256 || '.' || j % 256)::inet AS ip,
                   now() - random() * interval '30 days' AS at
              FROM generate_series(1, ${N_LOGS}) j) s
      JOIN token_bindings b ON b.id = s.bid`);
  const { rows: counterColumn } = await db.query(
    `SELECT 1 FROM information_schema.columns WHERE table_name = 'token_bindings' AND column_name = 'intercept_count'`,
  );
  if (counterColumn.length > 0) {
    await db.query(`UPDATE token_bindings b SET intercept_count = c.n
                      FROM (SELECT token_hash, count(*) AS n FROM intercept_logs GROUP BY token_hash) c
                     WHERE b.token_hash = c.token_hash`);
  }
  await db.query(`SET session_replication_role = DEFAULT`);
  const tLogs = Date.now() - t0 - tBindings;
  for (const def of indexes) await db.query(def);
  await db.query('VACUUM ANALYZE token_bindings');
  await db.query('ANALYZE intercept_logs');
  const tLoad = Date.now() - t0;
  const [{ nb }] = (await db.query('SELECT count(*)::int AS nb FROM token_bindings')).rows;
  const [{ nl }] = (await db.query('SELECT count(*)::int AS nl FROM intercept_logs')).rows;
  log(`loaded ${nb} bindings (${tBindings} ms), ${nl} intercepts (${tLogs} ms), indexes + analyze: total ${tLoad} ms`);

  // A token and an IP that exist, for the filters.
  const { rows: hot } = await db.query(
    `SELECT token_hash, token_mask, host(client_ip) AS ip FROM intercept_logs ORDER BY created_at DESC LIMIT 1`,
  );
  const [{ day }] = (await db.query(`SELECT (now() - interval '3 days')::date::text AS day`)).rows;

  // --- admin API --------------------------------------------------------------------------
  const login = await request(`${base}/admin/api/login`, { method: 'POST', body: { password: PASSWORD } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  const auth = { authorization: `Bearer ${JSON.parse(login.text).accessToken}` };
  const api = (path, params = {}) => {
    const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null));
    return `${base}/admin/api/${path}${qs.size ? `?${qs}` : ''}`;
  };
  async function measure(url) {
    const t1 = process.hrtime.bigint();
    const first = await request(url, { headers: auth });
    if (first.status !== 200) {
      // Reported, not fatal: a query the old design cannot answer in time is a figure too.
      log(`${url}: HTTP ${first.status} ${first.text.slice(0, 200)}`);
      const ms = round(Number(process.hrtime.bigint() - t1) / 1e6);
      return { ms, max: ms, items: 0, status: first.status, body: { items: [] } };
    }
    const body = JSON.parse(first.text);
    const samples = [];
    for (let i = 0; i < REPEAT; i++) {
      const t = process.hrtime.bigint();
      const r = await request(url, { headers: auth });
      samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.status !== 200) log(`${url}: HTTP ${r.status} on a repeat`);
    }
    samples.sort((a, b) => a - b);
    return {
      ms: round(samples[Math.floor(samples.length / 2)]),
      max: round(samples[samples.length - 1]),
      items: body.items?.length ?? 0,
      body,
    };
  }
  /** A deep position: a cursor when the server pages by cursor, else the page number. */
  async function deep(path, params, depth) {
    const url = api(path, { ...params, page: depth, pageSize: 50 });
    const offsetPage = await measure(url);
    const out = { offset: offsetPage };
    const cursor = offsetPage.body.nextCursor;
    if (cursor) out.cursor = await measure(api(path, { ...params, cursor, pageSize: 50 }));
    return out;
  }

  const results = { bindings: {}, logs: {}, export: {} };
  // The round trip of an authenticated admin call that reads nothing large: the floor under
  // every figure below on this machine at this moment.
  const floor = await measure(api('status'));
  results.floor = { ms: floor.ms, max: floor.max };
  log(`HTTP floor (GET /status): ${floor.ms} ms`);
  const bindingCases = {
    'last_used desc (default)': {},
    'last_used asc': { sort: 'last_used', order: 'asc' },
    'created desc': { sort: 'created' },
    'created asc': { sort: 'created', order: 'asc' },
    'intercepts desc': { sort: 'intercepts' },
    'intercepts asc': { sort: 'intercepts', order: 'asc' },
    'status=banned, intercepts desc': { status: 'banned', sort: 'intercepts' },
    'ruleKind=multiple, created desc': { ruleKind: 'multiple', sort: 'created' },
    'status=active+ruleKind=single, last_used': { status: 'active', ruleKind: 'single' },
    'lastUsed range 1d, last_used desc': { lastUsedFrom: `${day}T00:00:00Z`, lastUsedTo: `${day}T23:59:59Z` },
    'lastUsed range 1d, intercepts desc': {
      lastUsedFrom: `${day}T00:00:00Z`,
      lastUsedTo: `${day}T23:59:59Z`,
      sort: 'intercepts',
    },
    'token prefix (4 hex)': { token: hot[0].token_hash.slice(0, 4) },
    'token mask prefix': { token: hot[0].token_mask.slice(0, 7) },
    'ip in rule (seq scan)': { ip: '10.1.2.3' },
  };
  for (const [name, params] of Object.entries(bindingCases)) {
    const r = await measure(api('bindings', { ...params, pageSize: 50 }));
    results.bindings[name] = {
      ms: r.ms,
      max: r.max,
      items: r.items,
      total: r.body.total,
      ...(r.status ? { status: r.status } : {}),
    };
    log(`bindings ${name}: ${r.ms} ms (${r.items} items)`);
  }
  for (const [name, params] of Object.entries({
    'deep p2000 last_used desc': {},
    'deep p2000 intercepts desc': { sort: 'intercepts' },
    'deep p2000 created asc': { sort: 'created', order: 'asc' },
  })) {
    const d = await deep('bindings', params, 2_000);
    results.bindings[`${name} (offset)`] = { ms: d.offset.ms, max: d.offset.max, items: d.offset.items };
    if (d.cursor) results.bindings[`${name} (cursor)`] = { ms: d.cursor.ms, max: d.cursor.max, items: d.cursor.items };
    log(`bindings ${name}: offset ${d.offset.ms} ms${d.cursor ? `, cursor ${d.cursor.ms} ms` : ''}`);
  }

  const logCases = {
    'newest (no filter)': {},
    'time range 1d': { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z` },
    token: { token: hot[0].token_hash.slice(0, 12) },
    'client ip': { clientIp: hot[0].ip },
    'reason=banned': { reason: 'banned' },
    'range 1d + reason=banned': { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z`, reason: 'banned' },
    'range 1d + token mask': { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z`, token: hot[0].token_mask.slice(0, 7) },
  };
  for (const [name, params] of Object.entries(logCases)) {
    const r = await measure(api('logs', { ...params, pageSize: 50 }));
    results.logs[name] = {
      ms: r.ms,
      max: r.max,
      items: r.items,
      total: r.body.total,
      ...(r.status ? { status: r.status } : {}),
    };
    log(`logs ${name}: ${r.ms} ms (${r.items} items)`);
  }
  {
    const d = await deep('logs', {}, 2_000);
    results.logs['deep p2000 (offset)'] = { ms: d.offset.ms, max: d.offset.max, items: d.offset.items };
    if (d.cursor) results.logs['deep p2000 (cursor)'] = { ms: d.cursor.ms, max: d.cursor.max, items: d.cursor.items };
  }

  // --- export -----------------------------------------------------------------------------
  const rssBefore = procStatus(sentinel.pid);
  let peakRss = rssBefore.VmRSS;
  const sampler = setInterval(() => {
    const s = procStatus(sentinel.pid);
    if (s.VmRSS > peakRss) peakRss = s.VmRSS;
  }, 50);
  const cpuBefore = procCpuSeconds(sentinel.pid);
  const te = process.hrtime.bigint();
  const exp = await download(api('logs/export'), auth);
  const exportMs = Number(process.hrtime.bigint() - te) / 1e6;
  const serverCpu = round(procCpuSeconds(sentinel.pid) - cpuBefore);
  clearInterval(sampler);
  const rssAfter = procStatus(sentinel.pid);
  results.export = {
    ms: Math.round(exportMs),
    rows: exp.lines - 1,
    bytes: exp.bytes,
    status: exp.status,
    rssBeforeMiB: mib(rssBefore.VmRSS),
    peakRssMiB: mib(Math.max(peakRss, rssAfter.VmRSS)),
    vmHwmMiB: mib(rssAfter.VmHWM),
    serverCpuSeconds: serverCpu,
  };
  log(
    `export: ${results.export.rows} rows, ${(exp.bytes / 1048576).toFixed(1)} MiB in ${results.export.ms} ms, RSS ${results.export.rssBeforeMiB} → peak ${results.export.peakRssMiB} MiB (VmHWM ${results.export.vmHwmMiB} MiB)`,
  );

  // --- report -----------------------------------------------------------------------------
  const rows = [
    ...Object.entries(results.bindings).map(([k, v]) => [`bindings: ${k}`, v.ms, v.max, v.items]),
    ...Object.entries(results.logs).map(([k, v]) => [`logs: ${k}`, v.ms, v.max, v.items]),
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  log('');
  log(`${'query'.padEnd(w)}  median ms  max ms  items`);
  for (const [k, ms, max, items] of rows)
    log(`${k.padEnd(w)}  ${String(ms).padStart(9)}  ${String(max).padStart(6)}  ${String(items).padStart(5)}`);
  log(`HTTP floor (GET /status): ${results.floor.ms} ms median`);
  log(
    `CSV export of ${results.export.rows} rows: ${results.export.ms} ms (server CPU ${results.export.serverCpuSeconds} s), server peak RSS ${results.export.peakRssMiB} MiB (VmHWM ${results.export.vmHwmMiB} MiB)`,
  );
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    loadavg: os.loadavg().map((x) => round(x)),
    memGiB: round(os.totalmem() / 2 ** 30),
  };
  log(
    `machine: ${machine.cpus} CPUs (${machine.model}), load ${machine.loadavg.join(' ')}; whole run ${Math.round((Date.now() - started) / 1000)} s`,
  );
  process.stdout.write(
    `${JSON.stringify({ scale: { bindings: nb, intercepts: nl, loadMs: tLoad }, floor: results.floor, bindings: results.bindings, logs: results.logs, export: results.export, machine, repeat: REPEAT, totalSeconds: Math.round((Date.now() - started) / 1000) })}\n`,
  );
}

// --- helpers -------------------------------------------------------------------------------
/**
 * Drops the secondary indexes and unique constraints of the tables (a bulk load then builds each
 * index once, sorted, instead of 1M random inserts) and returns the statements that restore them.
 */
async function dropSecondaryIndexes(tables) {
  const { rows: uniques } = await db.query(
    `SELECT c.conrelid::regclass::text AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
      WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY($1)`,
    [tables],
  );
  const { rows } = await db.query(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.schemaname = 'public' AND i.tablename = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    [tables],
  );
  for (const u of uniques) await db.query(`ALTER TABLE ${u.tbl} DROP CONSTRAINT ${u.conname}`);
  for (const r of rows) await db.query(`DROP INDEX ${r.indexname}`);
  return [
    ...uniques.map((u) => `ALTER TABLE ${u.tbl} ADD CONSTRAINT ${u.conname} ${u.def}`),
    ...rows.map((r) => r.indexdef),
  ];
}
function procStatus(pid) {
  const out = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(Vm\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * 1024;
  }
  return out;
}
/** utime + stime of a process, in seconds (clock ticks of 1/100 s on Linux). */
function procCpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
function mib(bytes) {
  return round(bytes / 1048576);
}
function round(x) {
  return Math.round(x * 10) / 10;
}
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        headers: {
          ...headers,
          ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}
/** Streams a response, counting bytes and lines without keeping it. */
function download(url, headers) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let bytes = 0;
        let lines = 0;
        res.on('data', (c) => {
          bytes += c.length;
          for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) lines++;
        });
        res.on('end', () => resolve({ status: res.statusCode, bytes, lines }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}
