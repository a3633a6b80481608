import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { login, startCluster, type AdminCluster } from './admin-support';
import { describeWithServices } from '@sentinel/testing-support';

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const ROWS = 300_000;

/** The CSV export streams from the database in batches: memory stays flat whatever the size. */
describeWithServices(['postgres', 'redis'], 'intercept log export of a large set', () => {
  let cluster: AdminCluster | null;
  beforeAll(async () => {
    cluster = await startCluster(1);
    if (!cluster) return;
    await cluster.db.query(
      `INSERT INTO intercept_logs (token_hash, token_mask, client_ip, rule_kind, rule_entries, binding_status, reason,
                                   method, path, user_agent, request_id, created_at)
       SELECT repeat(lpad(to_hex(g % 4096), 4, '0'), 16), 'sk-abcd…wxyz', ('10.' || (g % 250) || '.' || (g % 200) || '.1')::inet,
              'single', '{203.0.113.7/32}', 'active', 'ip_not_allowed', 'POST', '/v1/chat/completions',
              CASE WHEN g % 1000 = 0 THEN '=HYPERLINK("http://evil")' ELSE 'openai-node/6.0' END,
              'req' || g, now() - (g || ' seconds')::interval
         FROM generate_series(1, $1) AS g`,
      [ROWS],
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function exportAll(base: string, token: string) {
    let lines = 0;
    let bytes = 0;
    let formulaCells = 0;
    let tail = '';
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/admin/api/logs/export`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          bytes += Buffer.byteLength(chunk);
          const parts = (tail + chunk).split('\n');
          tail = parts.pop() ?? '';
          lines += parts.length;
          for (const p of parts)
            if (p.includes('HYPERLINK')) formulaCells += p.includes(`"'=HYPERLINK`) ? 1 : -1_000_000;
        });
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
    if (tail.trim() !== '') lines++;
    return { status, lines, bytes, formulaCells };
  }

  it(`streams ${ROWS.toLocaleString('en-US')} rows in bounded memory`, async () => {
    if (!cluster) return;
    const sentinel = cluster.instances[0];
    const pid = sentinel.child.pid as number;
    const token = await login(sentinel.url);
    const before = peakRssMiB(pid);
    const first = await exportAll(sentinel.url, token);
    const afterFirst = peakRssMiB(pid);
    expect(first.status).toBe(200);
    expect(first.lines).toBe(ROWS + 1); // header + every row
    expect(first.formulaCells).toBe(ROWS / 1000); // every formula cell neutralised
    // Bounded, not proportional. On PostgreSQL the export is one COPY whose rows stay Buffers
    // (reused 64 KiB chunks; the rest is socket reads awaiting a GC): ~+20 MiB for this 68 MiB
    // file. A third, equally large export must not raise the peak again, and the plateau stays
    // below half the file — a server that held the file (as a Buffer: +68 MiB; as a string:
    // twice that), or leaked per row, fails either bound.
    const second = await exportAll(sentinel.url, token);
    const afterSecond = peakRssMiB(pid);
    expect(second.lines).toBe(ROWS + 1);
    const third = await exportAll(sentinel.url, token);
    const afterThird = peakRssMiB(pid);
    expect(third.lines).toBe(ROWS + 1);
    console.log(
      `export of ${ROWS} rows (${(first.bytes / 2 ** 20).toFixed(1)} MiB): peak RSS ${before.toFixed(0)} → ` +
        `${afterFirst.toFixed(0)} → ${afterSecond.toFixed(0)} → ${afterThird.toFixed(0)} MiB`,
    );
    expect(afterThird - afterSecond).toBeLessThan(first.bytes / 2 ** 20 / 4);
    expect(afterThird - before).toBeLessThan(first.bytes / 2 ** 20 / 2 + 16);
  });

  it('a client that stops reading holds the export back (backpressure), nothing piles up in Sentinel', async () => {
    if (!cluster) return;
    const sentinel = cluster.instances[0];
    const pid = sentinel.child.pid as number;
    const token = await login(sentinel.url);
    await new Promise((r) => setTimeout(r, 500));
    const before = rssMiB(pid);
    let received = 0;
    const duringPause = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${sentinel.url}/admin/api/logs/export`,
        { headers: { authorization: `Bearer ${token}` } },
        (res) => {
          res.once('data', (chunk: Buffer) => {
            received += chunk.length;
            res.pause(); // the client stops reading
            setTimeout(() => {
              const rss = rssMiB(pid);
              res.destroy();
              resolve(rss);
            }, 2_000);
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(received).toBeGreaterThan(0);
    console.log(`export with a paused client: RSS ${before.toFixed(0)} → ${duringPause.toFixed(0)} MiB`);
    // A server without backpressure would have read and queued the whole 68 MiB file by now.
    expect(duringPause - before).toBeLessThan(32);
  });
});

function download(
  url: string,
  token: string,
): Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What a spreadsheet needs: a UTF-8 BOM (masks contain "…") and a file name that says what is in it. */
describeWithServices(['postgres', 'redis'], 'the CSV export as a spreadsheet opens it', () => {
  let cluster: AdminCluster | null;
  let token: string;
  beforeAll(async () => {
    cluster = await startCluster(1);
    if (!cluster) return;
    await cluster.db.query(
      `INSERT INTO intercept_logs (token_hash, token_mask, client_ip, rule_kind, rule_entries, binding_status, reason,
                                   method, path, user_agent, request_id, created_at)
       VALUES (repeat('ab', 32), 'sk-abcd…wxyz', '198.51.100.7', 'single', '{203.0.113.7/32}', 'active',
               'ip_not_allowed', 'GET', '/v1/models', 'openai-node/6.0', 'bom-1', '2026-11-20T10:00:00Z'),
              (repeat('cd', 32), 'sk-efgh…wxyz', '2001:db8::7', 'single', '{203.0.113.7/32}', 'banned',
               'banned', 'GET', '/v1/models', 'openai-node/6.0', 'bom-2', '2026-11-21T10:00:00Z')`,
    );
    token = await login(cluster.instances[0].url);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('starts with a UTF-8 BOM and keeps "…" as UTF-8', async () => {
    if (!cluster) return;
    const r = await download(`${cluster.instances[0].url}/admin/api/logs/export`, token);
    expect(r.status).toBe(200);
    expect([...r.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = r.bytes.subarray(3).toString('utf8');
    expect(text.startsWith('"time","token_mask"')).toBe(true);
    expect(text).toContain('"sk-abcd…wxyz"');
    expect(r.bytes.indexOf(Buffer.from('sk-abcd\u2026wxyz', 'utf8'))).toBeGreaterThan(0);
  });

  it.each([
    ['', 'intercepts_all_all.csv'],
    ['?from=2026-11-20T00:00:00Z&to=2026-11-22T00:00:00.000Z', 'intercepts_20261120T000000Z_20261122T000000Z.csv'],
    ['?from=2026-11-20T00:00:00Z&reason=banned', 'intercepts_20261120T000000Z_all_reason-banned.csv'],
    ['?clientIp=2001:db8::7&reason=banned', 'intercepts_all_all_reason-banned_ip-2001-db8-7.csv'],
    ['?clientIp=198.51.100.7', 'intercepts_all_all_ip-198.51.100.7.csv'],
  ])('export%s is named %s', async (query, filename) => {
    if (!cluster) return;
    const r = await download(`${cluster.instances[0].url}/admin/api/logs/export${query}`, token);
    expect(r.status).toBe(200);
    expect(r.headers['content-disposition']).toBe(`attachment; filename="${filename}"`);
  });
});
