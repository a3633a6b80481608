import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';
import type { AppConfig } from './app-config';

/** Secrets that pass validation: what a config test adds to the environment it is about. */
export const TEST_CONFIG_SECRETS = {
  SENTINEL_HMAC_SECRET: 'hmac-0123456789abcdef0123456789abcdef',
  ADMIN_JWT_SECRET: 'y'.repeat(40),
  ADMIN_PASSWORD: 'correct horse battery',
} as const;

/**
 * The config specs' fixture: `loadConfig` on exactly the given environment (no `.env` file, no
 * process environment) in a scratch directory of its own. `setUp`/`tearDown` go in the spec's
 * beforeEach/afterEach.
 */
export class ConfigFixture {
  dir = '';

  constructor(private readonly name: string) {}

  setUp(): void {
    this.dir = mkdtempSync(join(tmpdir(), `sentinel-${this.name}-`));
  }

  tearDown(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  load(env: Record<string, string>, notices: string[] = []): AppConfig {
    return loadConfig({ env, cwd: this.dir, dotEnvPath: null, notice: (m) => notices.push(m) });
  }

  /** The problems a ConfigError lists for `env`; anything else (no error, another error) throws. */
  problemsOf(env: Record<string, string>): string[] {
    try {
      this.load(env);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return [...e.problems];
    }
    throw new Error('expected a ConfigError');
  }
}
