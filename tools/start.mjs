#!/usr/bin/env node
// `npm start`: build what is missing or out of date (Nx's cache makes an unchanged build
// instant), then run the built server in the foreground, forwarding signals so SIGTERM/SIGINT
// reach its graceful shutdown. `npm run migrate` passes `migrate` through to apply migrations.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const projects = args[0] === 'migrate' ? ['sentinel'] : ['sentinel', 'console'];

const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', ...projects, '--outputStyle=static'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NX_DAEMON: 'false' },
});
if (build.status !== 0) process.exit(build.status ?? 1);

const child = spawn(process.execPath, [join(root, 'dist/apps/sentinel/main.js'), ...args], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
