import { parse as parseDotEnv } from 'dotenv';
import { renderConfigTable, renderEnvExample } from './env-docs';
import { ENV_GROUPS, EnvVariable } from './env-metadata';
import { ENV_VARIABLES, ENV_VARIABLE_NAMES, INTEGER_VARIABLES, UNDECLARED_ENV_VARIABLES } from './env.schema';

const tableRows = (table: string) =>
  table
    .split('\n')
    .map((line) => /^\| `([A-Z0-9_]+)` \|/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);

describe('environment variable declarations', () => {
  it('every validated variable is declared with @EnvVariable', () => {
    expect(UNDECLARED_ENV_VARIABLES).toEqual([]);
  });

  it('every variable appears exactly once in the README table and in .env.example', () => {
    const rows = tableRows(renderConfigTable());
    expect([...rows].sort()).toEqual([...ENV_VARIABLE_NAMES].sort());
    const assignments = renderEnvExample()
      .split('\n')
      .filter((line) => /^[A-Z0-9_]+=/.test(line))
      .map((line) => line.split('=')[0]);
    expect([...assignments].sort()).toEqual([...ENV_VARIABLE_NAMES].sort());
  });

  it('every variable has a meaning and a known group', () => {
    for (const v of ENV_VARIABLES) {
      expect(v.description.trim()).not.toBe('');
      expect(Object.keys(ENV_GROUPS)).toContain(v.group);
    }
  });

  it('.env.example ships no real secret: each is empty or a replace-with placeholder, and marked secret in the table', () => {
    const example = parseDotEnv(renderEnvExample());
    const table = renderConfigTable();
    const secrets = ENV_VARIABLES.filter((v) => v.secret);
    expect(secrets.map((v) => v.name)).toEqual(
      expect.arrayContaining(['SENTINEL_HMAC_SECRET', 'ADMIN_PASSWORD', 'ADMIN_JWT_SECRET', 'REDIS_PASSWORD']),
    );
    for (const v of secrets) {
      const value = example[v.name] ?? '';
      expect(value === '' || value.includes('replace-with-')).toBe(true);
      expect(table).toContain(
        `| \`${v.name}\` | ${v.defaultLabel ? `*(${v.defaultLabel})*` : '*(empty)*'} | **Secret.**`,
      );
    }
  });

  it('parses as integers exactly the variables validated with @IsInt()', () => {
    expect([...INTEGER_VARIABLES].sort()).toEqual(
      [
        'ALERT_THRESHOLD_COUNT',
        'ALERT_THRESHOLD_SECONDS',
        'APP_HEADERS_TIMEOUT_MS',
        'APP_PORT',
        'ARCHIVE_DAYS',
        'BIND_RATE_PER_ADDRESS',
        'BODY_GRACE_MS',
        'BODY_MIN_RATE',
        'INTERCEPT_QUEUE_MAX',
        'METRICS_PORT',
        'SHUTDOWN_GRACE_MS',
        'SPOOL_MAX_BYTES',
        'UPSTREAM_CONNECT_TIMEOUT_MS',
        'UPSTREAM_TIMEOUT_MS',
        'WS_HANDSHAKE_TIMEOUT_MS',
        'WS_IDLE_TIMEOUT_MS',
        'WS_MAX_OPEN',
      ].sort(),
    );
  });

  it('refuses a second declaration of the same variable', () => {
    expect(() => {
      class Twice {
        @EnvVariable({ group: 'operations', description: 'Declared again.' })
        LOG_LEVEL = 'info';
      }
      return Twice;
    }).toThrow('LOG_LEVEL is declared twice');
  });
});
