import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataDirLock, embeddedPgDir } from './embedded';

describe('embedded database directory lock', () => {
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sentinel-lock-'));
    dir = embeddedPgDir(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lives in DATA_DIR/pg', () => {
    expect(dir).toBe(join(root, 'pg'));
  });

  it('writes a pid file next to the directory and removes it on release', () => {
    const release = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    release();
    release(); // idempotent
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('refuses a second open in the same process', () => {
    const release = acquireDataDirLock(dir);
    try {
      expect(() => acquireDataDirLock(dir)).toThrow(/already open in this process/);
    } finally {
      release();
    }
  });

  it('refuses while a live process on this host holds it', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(`${dir}.lock`, JSON.stringify({ pid: child.pid, host: hostname() }));
      expect(() => acquireDataDirLock(dir)).toThrow(new RegExp(`in use by process ${child.pid}`));
    } finally {
      child.kill();
    }
  });

  it.each([
    ['a dead pid', () => ({ pid: 2 ** 22 + 12345, host: hostname() })],
    ['another host (a restarted container)', () => ({ pid: process.pid, host: 'old-container' })],
    ['this pid from a previous life', () => ({ pid: process.pid, host: hostname() })],
  ])('takes over a stale lock: %s', (_, holder) => {
    writeFileSync(`${dir}.lock`, JSON.stringify(holder()));
    const release = acquireDataDirLock(dir);
    expect(JSON.parse(readFileSync(`${dir}.lock`, 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('treats a fresh unreadable lock as another process opening the directory, an old one as stale', () => {
    writeFileSync(`${dir}.lock`, '');
    expect(() => acquireDataDirLock(dir)).toThrow(/being opened by another process/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${dir}.lock`, old, old);
    acquireDataDirLock(dir)();
  });
});
