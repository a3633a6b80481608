#!/usr/bin/env node
// The npm registry reachable from our machines mirrors only the linux-x64 builds of packages
// that ship one native binary per platform (rollup, sass-embedded, unrs-resolver, msgpackr…).
// `npm install` then writes a lockfile without the other platforms' optional packages, and
// `npm ci` refuses it as "out of sync". This adds the missing optional entries (name, version,
// os/cpu read from the package name) so `npm ci` validates the lockfile and skips them on this
// platform, exactly as it would with a complete lockfile. Run it after changing dependencies:
//   npm install && node tools/lockfile-platform-stubs.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const pkgs = lock.packages;

const OS = ['android', 'darwin', 'freebsd', 'linux', 'netbsd', 'openbsd', 'sunos', 'win32', 'aix', 'openharmony'];
const CPU = [
  'arm64',
  'arm',
  'x64',
  'ia32',
  'riscv64',
  'loong64',
  'ppc64',
  's390x',
  'mips64el',
  'wasm32',
  'loongarch64',
];

function platformOf(name) {
  const base = name.split('/').pop();
  const parts = base.split('-');
  const os = parts.find((p) => OS.includes(p)) ?? (base.includes('wasm') ? undefined : undefined);
  let cpu = parts.find((p) => CPU.includes(p));
  if (!cpu && base.includes('wasm32')) cpu = 'wasm32';
  const libc =
    parts.includes('musl') || parts.includes('musleabihf')
      ? 'musl'
      : parts.includes('gnu') || parts.includes('gnueabihf')
        ? 'glibc'
        : undefined;
  // Packages for "any other platform" (e.g. sass-embedded-all-unknown): never needed here.
  if (!os && !cpu) return { os: ['none'], cpu: ['none'] };
  return { ...(os ? { os: [os] } : {}), ...(cpu ? { cpu: [cpu] } : {}), ...(libc ? { libc: [libc] } : {}) };
}

function resolves(parentPath, name) {
  let dir = parentPath;
  for (;;) {
    if (pkgs[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
    if (!dir) return false;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i === -1 ? '' : dir.slice(0, i);
  }
}

let added = 0;
for (const [path, meta] of Object.entries({ ...pkgs })) {
  for (const [name, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    if (resolves(path, name)) continue;
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) continue; // only exact platform pins are stubbed
    const at = pkgs[`node_modules/${name}`] ? `${path}/node_modules/${name}` : `node_modules/${name}`;
    pkgs[at] = { version: spec, dev: meta.dev || undefined, optional: true, ...platformOf(name) };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
lock.packages = sorted;
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`lockfile: added ${added} optional platform entries`);
