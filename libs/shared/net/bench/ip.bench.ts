/**
 * Micro-benchmark of the hot-path IP functions. Prints ns/op; never asserts a time.
 *
 *   npx ts-node -T libs/shared/net/bench/ip.bench.ts
 *
 * Includes a bigint baseline for the IPv6 match, the representation this library chose not to
 * use (see the comment on `Ip` in src/lib/ip.ts).
 */
import { cidrContains, compileRule, parseCidr, parseIp, type Ip } from '../src';

let sink = 0;

function bench(name: string, fn: () => unknown, iterations = 2_000_000): number {
  for (let i = 0; i < 200_000; i++) if (fn()) sink++; // warm-up: let the JIT optimise
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) if (fn()) sink++;
    const ns = ((performance.now() - start) * 1e6) / iterations;
    best = Math.min(best, ns);
  }
  rows.push([name, best]);
  return best;
}

const rows: [string, number][] = [];

function must<T>(value: T | null): T {
  if (value === null) throw new Error('benchmark input does not parse');
  return value;
}

const v4 = must(parseIp('203.0.113.7'));
const v6 = must(parseIp('2001:db8:1:2::77'));

bench("parseIp('127.0.0.1')", () => parseIp('127.0.0.1'));
bench("parseIp('::ffff:127.0.0.1')", () => parseIp('::ffff:127.0.0.1'));
bench("parseIp('2001:db8::1')", () => parseIp('2001:db8::1'));
bench("parseIp('2001:DB8:0:0:1:0:0:1')", () => parseIp('2001:DB8:0:0:1:0:0:1'));
bench("parseIp('not an ip') → null", () => parseIp('not an ip'));
bench("parseCidr('10.0.0.0/8')", () => parseCidr('10.0.0.0/8'));
bench("parseCidr('2001:db8::/64')", () => parseCidr('2001:db8::/64'));

const one4 = compileRule(['203.0.113.7']);
const ten4 = compileRule(Array.from({ length: 10 }, (_, i) => `198.51.${i}.0/24`).concat('203.0.113.0/24'));
const one6 = compileRule(['2001:db8:1:2::/64']);
const ten6 = compileRule(Array.from({ length: 10 }, (_, i) => `2001:db8:${i + 100}::/48`).concat('2001:db8:1:2::/64'));
const cidr6 = must(parseCidr('2001:db8:1:2::/64'));

const m1 = bench('matcher.matches v4, 1 entry (hit)', () => one4.matches(v4), 10_000_000);
bench('matcher.matches v4, 11 entries (last hits)', () => ten4.matches(v4), 10_000_000);
const m6 = bench('matcher.matches v6 /64, 1 entry (hit)', () => one6.matches(v6), 10_000_000);
bench('matcher.matches v6, 11 entries (last hits)', () => ten6.matches(v6), 10_000_000);
bench('cidrContains(v6 /64, ip)', () => cidrContains(cidr6, v6), 10_000_000);

// Baseline: the same /64 test with bigint values prepared in advance.
function toBig(ip: Ip): bigint {
  return (BigInt(ip.w0) << 96n) | (BigInt(ip.w1) << 64n) | (BigInt(ip.w2) << 32n) | BigInt(ip.w3);
}
const big = toBig(v6);
const bigMask = ((1n << 64n) - 1n) << 64n;
const bigNet = toBig(v6) & bigMask;
const b6 = bench('baseline: bigint (ip & mask) === net, v6 /64', () => (big & bigMask) === bigNet, 10_000_000);

const width = Math.max(...rows.map(([n]) => n.length));
console.log(`\n${'operation'.padEnd(width)}  ns/op`);
console.log(`${'-'.repeat(width)}  ------`);
for (const [name, ns] of rows) console.log(`${name.padEnd(width)}  ${ns.toFixed(1).padStart(6)}`);
console.log(`\nbigint baseline / matcher (v6 /64): ${(b6 / m6).toFixed(1)}x`);
console.log(`matcher v6 / matcher v4: ${(m6 / m1).toFixed(1)}x`);
console.log(`(sink ${sink > 0 ? 'ok' : '0'})`);
