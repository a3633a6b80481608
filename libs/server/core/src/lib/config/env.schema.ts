import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidationOptions,
  buildMessage,
  getMetadataStorage,
} from 'class-validator';
import { FAILSAFE_MODES, type FailsafeModeName } from '@sentinel/admin-contract';
import { parseCidr } from '@sentinel/net';
import { EnvVariable, envVariableDeclarations, type EnvVariableDeclaration } from './env-metadata';

/** Every environment variable Sentinel reads, validated once at boot. */

function IsHttpUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHttpUrl',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            const u = new URL(value);
            return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
          } catch {
            return false;
          }
        },
        defaultMessage: buildMessage((each) => `${each}$property must be an http:// or https:// URL`, options),
      },
    },
    options,
  );
}

function IsRedisUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRedisUrl',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            const u = new URL(value);
            if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return false;
            const db = u.pathname.replace(/^\//, '');
            return u.hostname !== '' && (db === '' || /^(?:[0-9]|1[0-5])$/.test(db));
          } catch {
            return false;
          }
        },
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must look like redis://host:6379 or redis://host:6379/<db 0-15> (rediss:// for TLS)`,
          options,
        ),
      },
    },
    options,
  );
}

function IsPgDsn(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPgDsn',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && /^(postgresql|postgres|postgresql\+asyncpg):\/\/[^\s]+$/.test(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must start with postgresql://, postgres:// or postgresql+asyncpg://`,
          options,
        ),
      },
    },
    options,
  );
}

function IsIpOrCidrList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIpOrCidrList',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && splitList(value).every((entry) => parseCidr(entry) !== null),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a comma-separated list of IP addresses or CIDR ranges (e.g. 172.30.0.0/24,10.0.0.1)`,
          options,
        ),
      },
    },
    options,
  );
}

/** `host:port` (port 1–65535; an IPv6 host in brackets, `[::1]:26379`), or null. */
export function parseHostPort(entry: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+)):([0-9]{1,5})$/.exec(entry);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2], port };
}

function IsHostPortList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isHostPortList',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          splitList(value).length > 0 &&
          splitList(value).every((entry) => parseHostPort(entry) !== null),
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a comma-separated list of host:port (e.g. sentinel-0:26379,sentinel-1:26379)`,
          options,
        ),
      },
    },
    options,
  );
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

// Declared once, in the admin contract (the console offers the same choices).
export { FAILSAFE_MODES };
export type FailsafeMode = FailsafeModeName;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Raw environment, after string → number conversion. Property names are the variable names,
 * so every validation message names the variable. Each property is the one declaration of its
 * variable: validation rules, default (the initialiser) and meaning (`@EnvVariable`), from which
 * the README table and `.env.example` are generated (docs/extending.md, "A new environment
 * variable").
 */
export class EnvironmentVariables {
  @EnvVariable({
    group: 'operations',
    description: '`production` refuses missing, placeholder (`replace-with-…`) or short secrets.',
    defaultLabel: 'unset',
    example: { value: 'production', comment: ['production refuses missing or weak secrets.'] },
  })
  @IsOptional()
  @IsIn(['production', 'development', 'test'])
  NODE_ENV?: string;

  @EnvVariable({
    group: 'traffic',
    description: "New API's address (`http://new-api:3000` on `shared_network`).",
    example: {
      value: 'http://new-api:3000',
      comment: ["The New API service, by its name on shared_network (the container's internal port)."],
    },
  })
  @IsHttpUrl()
  DOWNSTREAM_URL = 'http://127.0.0.1:3000';

  @EnvVariable({
    group: 'storage',
    description: '`redis://host:6379` or `redis://host:6379/<db>` (`rediss://` for TLS).',
    defaultLabel: 'unset: in-process',
    example: {
      value: 'redis://redis:6379',
      comment: ['Redis: redis://host:6379 or redis://host:6379/<db>. Unset: served in-process (one instance only).'],
    },
  })
  @IsOptional()
  @IsRedisUrl()
  REDIS_ADDR?: string;

  @EnvVariable({
    group: 'storage',
    description: 'Redis password.',
    secret: true,
    example: { comment: ['Redis password, if any.'] },
  })
  @IsOptional()
  @IsString()
  REDIS_PASSWORD?: string;

  @EnvVariable({
    group: 'storage',
    description:
      'Redis Sentinel instead of `REDIS_ADDR`: comma-separated `host:port` of the sentinels; needs `REDIS_MASTER_NAME`. Failover is followed automatically.',
    defaultLabel: 'unset: no Sentinel',
    example: {
      comment: [
        'Redis high availability through Redis Sentinel (instead of REDIS_ADDR, not with it):',
        'comma-separated host:port of the sentinels, e.g. redis-sentinel-0:26379,redis-sentinel-1:26379.',
      ],
    },
  })
  @IsOptional()
  @IsHostPortList()
  REDIS_SENTINELS?: string;

  @EnvVariable({
    group: 'storage',
    description:
      'The master group name the sentinels monitor (`sentinel monitor <name> …`); only with `REDIS_SENTINELS`.',
    defaultLabel: 'unset',
    example: { comment: ['The master name the sentinels monitor (required with REDIS_SENTINELS).'] },
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  REDIS_MASTER_NAME?: string;

  @EnvVariable({
    group: 'storage',
    description:
      "Password of the sentinels themselves (`requirepass` in sentinel.conf), if any; the master's is `REDIS_PASSWORD`.",
    secret: true,
    example: { comment: ['Password of the sentinels (not of the master: that is REDIS_PASSWORD), if any.'] },
  })
  @IsOptional()
  @IsString()
  REDIS_SENTINEL_PASSWORD?: string;

  @EnvVariable({
    group: 'storage',
    description: 'Prefix of every Redis key and pub/sub channel.',
    example: { comment: ['Prefix of every Redis key and channel Sentinel uses.'] },
  })
  @IsString()
  @MaxLength(64)
  REDIS_KEY_PREFIX = 'sentinel:';

  @EnvVariable({
    group: 'storage',
    description: '`postgresql://`, `postgres://` or `postgresql+asyncpg://user:pass@host:5432/db`.',
    secret: true,
    defaultLabel: 'unset: embedded PGlite',
    example: {
      value: 'postgresql://sentinel:replace-with-a-db-password@postgres:5432/sentinel',
      comment: [
        "PostgreSQL: postgresql://, postgres:// or the original's postgresql+asyncpg:// form.",
        'Unset: embedded PostgreSQL (PGlite) under DATA_DIR.',
      ],
    },
  })
  @IsOptional()
  @IsPgDsn()
  PG_DSN?: string;

  @EnvVariable({
    group: 'storage',
    description: "docker-compose only: the `postgres` container's password; `PG_DSN` must use the same one.",
    secret: true,
    composeOnly: true,
    defaultLabel: 'none',
    example: {
      value: 'replace-with-a-db-password',
      comment: ["docker-compose only: the postgres container's password (the same as in PG_DSN above)."],
    },
  })
  @IsOptional()
  @IsString()
  POSTGRES_PASSWORD?: string;

  @EnvVariable({
    group: 'secrets',
    description:
      'Key of the HMAC-SHA256 that turns an API key into its stored id; ≥ 32 bytes. Changing it forgets every binding.',
    secret: true,
    defaultLabel: 'generated in quick start',
    example: {
      value: 'replace-with-a-random-32-byte-secret',
      comment: ['Key of the HMAC that turns an API key into its stored id. Changing it forgets every binding.'],
    },
  })
  @IsOptional()
  @IsString()
  SENTINEL_HMAC_SECRET?: string;

  @EnvVariable({
    group: 'secrets',
    description: 'The console password.',
    secret: true,
    defaultLabel: 'generated in quick start',
    example: { value: 'replace-with-a-strong-password', comment: ['The admin console password.'] },
  })
  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string;

  @EnvVariable({
    group: 'secrets',
    description: 'Signs admin JWTs (HS256); ≥ 32 bytes.',
    secret: true,
    defaultLabel: 'generated in quick start',
    example: { value: 'replace-with-a-random-jwt-secret', comment: ['Signs admin JWTs (HS256).'] },
  })
  @IsOptional()
  @IsString()
  ADMIN_JWT_SECRET?: string;

  @EnvVariable({
    group: 'clientIp',
    description: 'Comma-separated IPs/CIDRs allowed to set `X-Real-IP` (the nginx network).',
    defaultLabel: 'empty: trust nobody',
    example: {
      value: '172.30.0.0/24',
      comment: [
        'Peers allowed to set X-Real-IP: the sentinel_internal network that docker-compose.yml pins',
        '(nginx itself is 172.30.0.10 on it).',
        'Empty: trust nobody (Sentinel faces clients directly).',
      ],
    },
  })
  @IsIpOrCidrList()
  TRUSTED_PROXY_IPS = '';

  @EnvVariable({
    group: 'behaviour',
    description:
      'When storage cannot decide on a new token: `closed` → 503 + `Retry-After`, `open` → pass without binding (counted).',
    live: true,
    example: {
      comment: [
        'When PostgreSQL cannot be asked about a new token (and Redis does not know it):',
        'closed = 503 + Retry-After, open = pass without binding (counted).',
      ],
    },
  })
  @IsIn(FAILSAFE_MODES)
  SENTINEL_FAILSAFE_MODE: FailsafeMode = 'closed';

  @EnvVariable({
    group: 'traffic',
    description: 'Port Sentinel listens on.',
    example: { comment: ['Port Sentinel listens on (nginx forwards to it).'] },
  })
  @IsInt()
  @Min(1)
  @Max(65535)
  APP_PORT = 7000;

  @EnvVariable({
    group: 'traffic',
    description:
      '`true`: `/health/ready` is 503 while New API does not answer `GET /api/status`; `false`: readiness only reports `newApi: down`.',
    example: {
      comment: ['true: readiness fails while New API (DOWNSTREAM_URL) is unreachable; false: it only reports it.'],
    },
  })
  @IsIn(['true', 'false'])
  READINESS_REQUIRES_NEW_API: 'true' | 'false' = 'false';

  @EnvVariable({ group: 'traffic', description: 'Address Sentinel listens on.' })
  @IsString()
  APP_HOST = '0.0.0.0';

  @EnvVariable({
    group: 'traffic',
    description:
      'A client must send its whole header block within this time, else 408 (slow-header attacks); checked at least every second. 1000–300000.',
    example: { comment: ['A client must send its whole header block within this many ms, else 408 (slow headers).'] },
  })
  @IsInt()
  @Min(1_000)
  @Max(300_000)
  APP_HEADERS_TIMEOUT_MS = 20_000;

  @EnvVariable({
    group: 'behaviour',
    description: 'Alert webhook.',
    live: true,
    example: { comment: ['Alert webhook; empty = no alerts.'] },
  })
  @IsOptional()
  @IsHttpUrl()
  ALERT_WEBHOOK_URL?: string;

  @EnvVariable({
    group: 'behaviour',
    description: 'Public base URL of this Sentinel; alerts link to the binding in the console.',
    example: { comment: ['Public base URL of this Sentinel; alerts then link to the console. Empty = no links.'] },
  })
  @IsOptional()
  @IsHttpUrl()
  PUBLIC_URL?: string;

  @EnvVariable({
    group: 'sso',
    description: 'The OpenID provider (its `/.well-known/openid-configuration` is read at start).',
    example: {
      comment: [
        'Single sign-on through an OpenID provider (authorization code + PKCE), e.g.',
        'https://login.example.com/realms/team',
      ],
    },
  })
  @IsOptional()
  @IsHttpUrl()
  OIDC_ISSUER?: string;

  @EnvVariable({ group: 'sso', description: 'The client id registered at the provider.', example: { comment: [] } })
  @IsOptional()
  @IsString()
  OIDC_CLIENT_ID?: string;

  @EnvVariable({ group: 'sso', description: 'Its client secret.', secret: true, example: { comment: [] } })
  @IsOptional()
  @IsString()
  OIDC_CLIENT_SECRET?: string;

  @EnvVariable({
    group: 'sso',
    description: 'Where the provider sends the browser back: `https://<host>/admin/api/oidc/callback`.',
    example: { comment: [] },
  })
  @IsOptional()
  @IsHttpUrl()
  OIDC_REDIRECT_URL?: string;

  @EnvVariable({
    group: 'sso',
    description: 'The ID-token claim that carries the role (a string or a list).',
    example: { comment: [] },
  })
  @IsOptional()
  @IsString()
  OIDC_ROLE_CLAIM = 'groups';

  @EnvVariable({
    group: 'sso',
    description:
      'Claim value → role, e.g. `sentinel-admins=admin,sentinel-ops=operator,staff=viewer`; no match → refused.',
    example: { comment: [] },
  })
  @IsOptional()
  @IsString()
  OIDC_ROLE_MAP = '';

  @EnvVariable({
    group: 'sso',
    description: 'The provider\'s name on the console\'s "Sign in with …" button.',
    example: { comment: [] },
  })
  @IsOptional()
  @IsString()
  OIDC_NAME = 'single sign-on';

  @EnvVariable({
    group: 'behaviour',
    description: 'Intercepts of one token that trigger an alert…',
    live: true,
    example: { comment: ['Alert after this many intercepts of one token…'] },
  })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  ALERT_THRESHOLD_COUNT = 5;

  @EnvVariable({
    group: 'behaviour',
    description: '…within this window.',
    live: true,
    example: { comment: ['…within this many seconds.'] },
  })
  @IsInt()
  @Min(1)
  @Max(86_400 * 7)
  ALERT_THRESHOLD_SECONDS = 300;

  @EnvVariable({
    group: 'behaviour',
    description: 'Bindings unused this long are archived; the token binds again on next use.',
    live: true,
    example: { comment: ['Bindings unused for this many days are archived (the token binds again on next use).'] },
  })
  @IsInt()
  @Min(1)
  @Max(36_500)
  ARCHIVE_DAYS = 90;

  @EnvVariable({
    group: 'behaviour',
    description:
      'First-use bindings per source address (IPv4 /32, IPv6 /64) and minute; past it an unknown key gets 429 + `Retry-After`; `0` = no limit ([docs/floods.md](docs/floods.md)).',
    live: true,
    example: {
      comment: ['First-use bindings per source address and minute (0 = no limit). Live setting bindRatePerAddress.'],
    },
  })
  @IsInt()
  @Min(0)
  @Max(100_000)
  BIND_RATE_PER_ADDRESS = 30;

  @EnvVariable({
    group: 'storage',
    description: 'Embedded database and generated quick-start secrets.',
    example: { comment: ['Data directory: embedded database and generated secrets (quick start only).'] },
  })
  @IsString()
  DATA_DIR = './data';

  @EnvVariable({
    group: 'operations',
    description: '`debug`, `info`, `warn`, `error`; JSON lines on stdout.',
    example: { comment: ['debug | info | warn | error (JSON lines on stdout).'] },
  })
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @EnvVariable({
    group: 'traffic',
    description: 'Upstream idle timeout (hour-long LLM streams).',
    example: { comment: ['Upstream idle timeout in ms: long enough for hour-long LLM streams.'] },
  })
  @IsInt()
  @Min(1_000)
  @Max(24 * 3_600_000)
  UPSTREAM_TIMEOUT_MS = 3_600_000;

  @EnvVariable({
    group: 'traffic',
    description: 'Upstream connect timeout.',
    example: { comment: ['Upstream connect timeout in ms.'] },
  })
  @IsInt()
  @Min(100)
  @Max(60_000)
  UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;

  @EnvVariable({
    group: 'operations',
    description: 'SIGTERM waits this long for in-flight requests and streams.',
    example: { comment: ['SIGTERM waits this long (ms) for in-flight requests and streams.'] },
  })
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SHUTDOWN_GRACE_MS = 30_000;

  @EnvVariable({
    group: 'traffic',
    description:
      'Request body grace: a body may take this long plus 1 s per `BODY_MIN_RATE` bytes received; past that, 408 and both connections close ([docs/hostile-input.md](docs/hostile-input.md)).',
    example: { comment: ['Request body grace in ms (mod_reqtimeout body=20): after it, BODY_MIN_RATE applies.'] },
  })
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  BODY_GRACE_MS = 20_000;

  @EnvVariable({
    group: 'traffic',
    description:
      'Minimum request body rate in bytes/s after `BODY_GRACE_MS` (as mod_reqtimeout `body=20,MinRate=500`); `0` = no minimum.',
    example: { comment: ['Minimum request body rate in bytes/s after the grace (0 = no minimum).'] },
  })
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  BODY_MIN_RATE = 500;

  @EnvVariable({
    group: 'traffic',
    description:
      'A websocket handshake (and a refused or non-101 answer to it) must be done within this time, else the socket is closed.',
    example: {
      comment: ['Websocket handshake timeout in ms: until the upstream answers 101, and for a refusal to be sent.'],
    },
  })
  @IsInt()
  @Min(1_000)
  @Max(300_000)
  WS_HANDSHAKE_TIMEOUT_MS = 20_000;

  @EnvVariable({
    group: 'traffic',
    description: 'An open websocket with no bytes either way for this long is closed (both sides).',
    example: { comment: ['Websocket idle timeout in ms (no bytes in either direction).'] },
  })
  @IsInt()
  @Min(1_000)
  @Max(24 * 3_600_000)
  WS_IDLE_TIMEOUT_MS = 3_600_000;

  @EnvVariable({
    group: 'traffic',
    description:
      'Upgraded sockets (handshaking or open websockets) at once; past it a new upgrade gets 503 (`sentinel_upgraded_sockets`).',
    example: { comment: ['Most upgraded sockets (websockets, open or handshaking) at once; past it 503.'] },
  })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  WS_MAX_OPEN = 10_000;

  @EnvVariable({
    group: 'operations',
    description:
      'Intercept rows held in memory while PostgreSQL is down and the spool cannot take them (`SPOOL_MAX_BYTES=0`, `DATA_DIR` not writable); overflow is counted (`sentinel_intercepts_dropped`) and logged.',
    example: {
      comment: [
        'Intercept rows kept in memory while PostgreSQL is down and there is no spool; beyond it they are',
        'dropped, counted in sentinel_intercepts_dropped and logged.',
      ],
    },
  })
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  INTERCEPT_QUEUE_MAX = 100_000;

  @EnvVariable({
    group: 'operations',
    description:
      'Bytes of the spool under `DATA_DIR/spool`: intercept rows and `last_used_at` updates that cannot reach PostgreSQL, replayed when it is back or at the next start; overflow is counted (`sentinel_spool_overflow`) and logged; `0` = no spool ([docs/degraded-modes.md](docs/degraded-modes.md)).',
    example: {
      comment: [
        'Spool under DATA_DIR/spool for rows PostgreSQL cannot take (outage, failed shutdown flush);',
        'replayed on recovery and at start. Keep DATA_DIR on a volume. 0 = no spool.',
      ],
    },
  })
  @IsInt()
  @Min(0)
  @Max(64 * 1024 * 1024 * 1024)
  SPOOL_MAX_BYTES = 256 * 1024 * 1024;

  @EnvVariable({
    group: 'operations',
    description: 'Prometheus metrics listener, separate from the public port; `0` disables.',
    example: { comment: ['Prometheus metrics listener (not on the public port); 0 disables.'] },
  })
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 9464;

  @EnvVariable({
    group: 'operations',
    description: 'Its bind address (`0.0.0.0` in a container for a scraper).',
    example: {
      comment: [
        'Bind address of the metrics listener (0.0.0.0 inside a container for a scraper on the network;',
        'nginx never forwards /metrics).',
      ],
    },
  })
  @IsString()
  METRICS_HOST = '127.0.0.1';
}

/** One variable as the docs show it: its declaration and its default (`undefined`: none). */
export interface EnvVariableDescription extends EnvVariableDeclaration {
  readonly default: string | number | undefined;
}

const defaults = new EnvironmentVariables() as unknown as Record<string, string | number | undefined>;

/** Every variable, in declaration order. */
export const ENV_VARIABLES: readonly EnvVariableDescription[] = envVariableDeclarations().map((d) => ({
  ...d,
  default: defaults[d.name],
}));

const validations = getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false);

/**
 * Validated properties without `@EnvVariable`. They are still read (so a variable added without
 * its declaration keeps working), but they cannot be documented: `node tools/docs/config-docs.mjs`
 * and env-docs.spec.ts fail while this list is not empty.
 */
export const UNDECLARED_ENV_VARIABLES: readonly string[] = [...new Set(validations.map((m) => m.propertyName))].filter(
  (name) => !ENV_VARIABLES.some((v) => v.name === name),
);

/** The names loadConfig reads from the environment. */
export const ENV_VARIABLE_NAMES: readonly string[] = [...ENV_VARIABLES.map((v) => v.name), ...UNDECLARED_ENV_VARIABLES];

/** Variables whose values are parsed as integers before validation: those validated with `@IsInt()`. */
export const INTEGER_VARIABLES: ReadonlySet<keyof EnvironmentVariables> = new Set(
  validations.filter((m) => m.name === 'isInt').map((m) => m.propertyName as keyof EnvironmentVariables),
);
