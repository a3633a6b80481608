#!/usr/bin/env node
// The token id's HMAC-SHA256, two ways: `createHmac` per call (what TokenIdentifier does) and the
// RFC 2104 construction from precomputed inner/outer hashes, `outer.copy().update(inner.copy()
// .update(key).digest()).digest()` (Node's Hash.copy, no per-call key set-up). Checks that both give
// the same ids, then prints CPU µs per id warm (tight loop) and cold (a 4 MiB cache thrash before
// each call, as on a busy proxy where the request path evicts OpenSSL's state between requests).
//
//   node tools/bench/hmac.mjs [calls=300000]
import { createHash, createHmac } from 'node:crypto';

const N = Number(process.argv[2] ?? 300_000);
const secret = Buffer.from('bench-hmac-secret-0123456789abcdef0123456789', 'utf8');
const block = secret.length > 64 ? createHash('sha256').update(secret).digest() : secret;
const ipad = Buffer.alloc(64, 0x36);
const opad = Buffer.alloc(64, 0x5c);
for (let i = 0; i < block.length; i++) {
  ipad[i] ^= block[i];
  opad[i] ^= block[i];
}
const inner = createHash('sha256').update(ipad);
const outer = createHash('sha256').update(opad);
const ways = {
  createHmac: (key) => createHmac('sha256', secret).update(key).digest('hex'),
  'Hash.copy': (key) => outer.copy().update(inner.copy().update(key).digest()).digest('hex'),
};
const keys = Array.from({ length: 1000 }, (_, i) => `sk-${'b'.repeat(40)}${String(i).padStart(8, '0')}`);
for (const k of keys) if (ways.createHmac(k) !== ways['Hash.copy'](k)) throw new Error(`ids differ for ${k}`);

const junk = new Uint32Array(1 << 20);
let sink = 0;
const thrash = () => {
  for (let i = 0; i < junk.length; i += 16) sink += junk[i]++;
};
const results = {};
for (let round = 0; round < 3; round++) {
  for (const [name, f] of Object.entries(ways)) {
    for (let i = 0; i < 20_000; i++) f(keys[i % 1000]);
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) f(keys[i % 1000]);
    const c = process.cpuUsage(c0);
    const warm = (c.user + c.system) / N;
    const cold = N / 15;
    let ns = 0n;
    for (let i = 0; i < cold; i++) {
      thrash();
      const t = process.hrtime.bigint();
      f(keys[i % 1000]);
      ns += process.hrtime.bigint() - t;
    }
    (results[name] ??= { warm: [], cold: [] }).warm.push(warm);
    results[name].cold.push(Number(ns) / cold / 1000);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, r] of Object.entries(results))
  console.log(
    `${name.padEnd(10)} warm ${median(r.warm).toFixed(2)} µs CPU per id, cold ${median(r.cold).toFixed(2)} µs (3 rounds, medians)`,
  );
if (sink === -1) console.log(sink);
