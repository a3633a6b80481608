import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_JSON_MAX_DEPTH, adminJsonBody, jsonDepthExceeds } from './admin-json-body';

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonDepthExceeds('{"a":[1,{"b":2}]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[1,{"b":2}]}', 2)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify({ s: '[[[[[[[[[[{{{{{{{{' }), 1)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ s: 'a\\"[[[[' }), 1)).toBe(false);
    expect(jsonDepthExceeds('[]'.repeat(10_000), 1)).toBe(false); // wide, not deep
  });

  it('answers for 390 KiB of nesting without recursion', () => {
    const deep = '['.repeat(200 * 1024) + ']'.repeat(200 * 1024);
    expect(jsonDepthExceeds(deep, ADMIN_JSON_MAX_DEPTH)).toBe(true);
  });
});

describe('adminJsonBody', () => {
  let server: Server;
  let seen: unknown[];
  let port: number;

  beforeAll(async () => {
    seen = [];
    const read = adminJsonBody(1024 * 1024);
    server = createServer((req, res) =>
      read(req, res, () => {
        seen.push((req as typeof req & { body?: unknown }).body);
        res.end('next');
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function post(body: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const r = request(
        { port, host: '127.0.0.1', method: 'POST', path: '/', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      r.on('error', reject);
      r.end(body);
    });
  }

  it('refuses a body nested deeper than the limit with 400, before any parsing or validation', async () => {
    const n = 195 * 1024; // ≈ 390 KiB of `[[[…]]]`
    const before = seen.length;
    for (const body of [
      '['.repeat(n) + ']'.repeat(n),
      `{"password":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`,
      `{"password":${'['.repeat(ADMIN_JSON_MAX_DEPTH)}${']'.repeat(ADMIN_JSON_MAX_DEPTH)}}`,
    ]) {
      const r = await post(body);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toEqual({
        error: {
          code: 'validation_failed',
          message: `The request body is nested deeper than ${ADMIN_JSON_MAX_DEPTH} levels.`,
        },
      });
    }
    expect(seen.length).toBe(before);
  });

  it('passes a body at the limit and ordinary bodies through, parsed', async () => {
    const atLimit = `${'['.repeat(ADMIN_JSON_MAX_DEPTH)}${']'.repeat(ADMIN_JSON_MAX_DEPTH)}`;
    expect((await post(atLimit)).status).toBe(200);
    expect((await post('{"values":{"alertThresholdCount":3},"reset":["archiveDays"]}')).status).toBe(200);
    expect(seen.at(-1)).toEqual({ values: { alertThresholdCount: 3 }, reset: ['archiveDays'] });
  });
});
