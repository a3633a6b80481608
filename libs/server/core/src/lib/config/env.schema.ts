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
} from 'class-validator';
import { parseCidr } from '@sentinel/net';

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

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export const FAILSAFE_MODES = ['closed', 'open'] as const;
export type FailsafeMode = (typeof FAILSAFE_MODES)[number];

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Raw environment, after string → number conversion. Property names are the variable names,
 * so every validation message names the variable.
 */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['production', 'development', 'test'])
  NODE_ENV?: string;

  @IsHttpUrl()
  DOWNSTREAM_URL = 'http://127.0.0.1:3000';

  @IsOptional()
  @IsRedisUrl()
  REDIS_ADDR?: string;

  @IsOptional()
  @IsString()
  REDIS_PASSWORD?: string;

  @IsString()
  @MaxLength(64)
  REDIS_KEY_PREFIX = 'sentinel:';

  @IsOptional()
  @IsPgDsn()
  PG_DSN?: string;

  @IsOptional()
  @IsString()
  SENTINEL_HMAC_SECRET?: string;

  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string;

  @IsOptional()
  @IsString()
  ADMIN_JWT_SECRET?: string;

  @IsIpOrCidrList()
  TRUSTED_PROXY_IPS = '';

  @IsIn(FAILSAFE_MODES)
  SENTINEL_FAILSAFE_MODE: FailsafeMode = 'closed';

  @IsInt()
  @Min(1)
  @Max(65535)
  APP_PORT = 7000;

  @IsString()
  APP_HOST = '0.0.0.0';

  /** A client must send its whole header block within this time, or gets 408 (slowloris). */
  @IsInt()
  @Min(1_000)
  @Max(300_000)
  APP_HEADERS_TIMEOUT_MS = 20_000;

  @IsOptional()
  @IsHttpUrl()
  ALERT_WEBHOOK_URL?: string;

  /** Public base URL of this Sentinel (e.g. https://sentinel.example.com): alerts link to the console. */
  @IsOptional()
  @IsHttpUrl()
  PUBLIC_URL?: string;

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  ALERT_THRESHOLD_COUNT = 5;

  @IsInt()
  @Min(1)
  @Max(86_400 * 7)
  ALERT_THRESHOLD_SECONDS = 300;

  @IsInt()
  @Min(1)
  @Max(36_500)
  ARCHIVE_DAYS = 90;

  @IsString()
  DATA_DIR = './data';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** Upstream idle timeout: long enough for hour-long LLM streams. */
  @IsInt()
  @Min(1_000)
  @Max(24 * 3_600_000)
  UPSTREAM_TIMEOUT_MS = 3_600_000;

  @IsInt()
  @Min(100)
  @Max(60_000)
  UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;

  /** How long SIGTERM waits for in-flight requests and streams before closing them. */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SHUTDOWN_GRACE_MS = 30_000;

  /** Intercept rows held in memory while PostgreSQL is down; beyond it they are counted as dropped. */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  INTERCEPT_QUEUE_MAX = 100_000;

  /** Metrics are served on their own listener, loopback by default, never on the public port. */
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 9464;

  @IsString()
  METRICS_HOST = '127.0.0.1';
}

/** Variables whose values are parsed as integers before validation. */
export const INTEGER_VARIABLES: ReadonlySet<keyof EnvironmentVariables> = new Set([
  'APP_PORT',
  'APP_HEADERS_TIMEOUT_MS',
  'ALERT_THRESHOLD_COUNT',
  'ALERT_THRESHOLD_SECONDS',
  'ARCHIVE_DAYS',
  'UPSTREAM_TIMEOUT_MS',
  'UPSTREAM_CONNECT_TIMEOUT_MS',
  'SHUTDOWN_GRACE_MS',
  'INTERCEPT_QUEUE_MAX',
  'METRICS_PORT',
]);
