#!/usr/bin/env node
// `npm test`: every project's tests, then the e2e suites (one at a time), then
//   - one closing line over every Jest run: "tests: N passed, N failed, N skipped";
//   - a banner naming each suite that was skipped and why (the "*** SKIPPED:" lines the test
//     support prints when a service is missing; with REQUIRE_SERVICES=1 those fail instead);
//   - a check that no Redis key under a test prefix remains (tools/test/services.mjs).
// Exits non-zero when a step failed. Extra arguments go to both `nx run-many` calls.
import { spawn } from 'node:child_process';
import { leftoverKeys, TEST_KEY_PREFIXES } from './services.mjs';

const extra = process.argv.slice(2);
const steps = [
  ['nx', 'run-many', '-t', 'test', '--outputStyle=static', ...extra],
  ['nx', 'run-many', '-t', 'e2e', '--parallel=1', '--outputStyle=static', ...extra],
];

function run(args) {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const tee = (stream) => (chunk) => {
      stream.write(chunk);
      out += chunk.toString();
    };
    child.stdout.on('data', tee(process.stdout));
    child.stderr.on('data', tee(process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const skipped = new Set();
/** Steps that failed without a Jest summary saying so; named next to the closing line. */
const incomplete = [];
let status = 0;
for (const args of steps) {
  const { code, out } = await run(args);
  if (code !== 0) status = code;
  const text = out.replace(/\x1b\[[0-9;]*m/g, '');
  const failedBefore = totals.failed;
  const failing = new Set();
  for (const line of text.split('\n')) {
    if (/^\s*Tests:/.test(line)) {
      for (const kind of Object.keys(totals)) {
        const m = line.match(new RegExp(`(\\d+) ${kind}`));
        if (m) totals[kind] += Number(m[1]);
      }
    }
    const skip = line.match(/\*\*\* SKIPPED: (.*?) \*\*\*$/);
    if (skip) skipped.add(skip[1]);
    const fail = line.match(/^\s*● (.+ › .+)$/);
    if (fail) failing.add(fail[1].slice(0, 80));
  }
  // A Jest run that fails can exit before its summary reaches the pipe (seen with @nx/jest on a
  // failing e2e suite): never print "0 failed" for a step that failed.
  if (code !== 0 && totals.failed === failedBefore) {
    totals.failed += Math.max(1, failing.size);
    incomplete.push(`${args.slice(0, 4).join(' ')}: exit code ${code}, no Jest summary for the failing run`);
  }
  if (code !== 0 && args.includes('test')) break; // as `nx … test && nx … e2e` did
}

let keysLeft = false;
const keys = await leftoverKeys().catch((error) => {
  console.error(`test Redis keys: could not check (${error.message})`);
  return null;
});
if (keys && keys.length > 0) {
  keysLeft = true;
  console.error(`\ntest Redis keys left behind under ${TEST_KEY_PREFIXES.join(' ')} (first ${keys.length}):`);
  for (const k of keys) console.error(`  ${k}`);
}

if (skipped.size > 0) {
  const bar = '*'.repeat(100);
  console.log(`\n${bar}\n*** ${skipped.size} test suite(s) SKIPPED, their tests counted as skipped, not passed:`);
  for (const s of skipped) console.log(`***   ${s}`);
  console.log('*** Start the services (or set TEST_PG_ADMIN_DSN / TEST_REDIS_URL / NGINX_PATH / CHROMIUM_PATH),');
  console.log('*** or set REQUIRE_SERVICES=1 to make a missing service a failure.');
  console.log(bar);
}
for (const note of incomplete) console.log(`\n${note} (its failing tests are counted from their ● headers)`);
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(status !== 0 ? status : keysLeft ? 1 : 0);
