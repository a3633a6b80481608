import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseDotEnv } from 'dotenv';
import { validateSync } from 'class-validator';
import { parseCidr } from '@sentinel/net';
import { AppConfig, type AppConfigValues, type OidcConfig } from './app-config';
import { ENV_VARIABLE_NAMES, EnvironmentVariables, INTEGER_VARIABLES, parseHostPort, splitList } from './env.schema';

/** A configuration problem: the process must not start. The message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** The environment to read; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** A .env file to merge under the environment (environment wins). Default: ./.env if present. */
  dotEnvPath?: string | null;
  /** Working directory that relative paths (DATA_DIR, .env) are resolved against. */
  cwd?: string;
  /** Where notices about generated secrets go. */
  notice?: (message: string) => void;
}

const SECRET_MIN_BYTES = 32;
const PLACEHOLDER = /^(replace[-_ ]with|change[-_ ]?me|your[-_ ]|xxx|secret$|password$)/i;

/**
 * Reads the environment (and .env), validates it and resolves secrets. Throws ConfigError.
 * This is the only place in Sentinel that reads process.env.
 */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const cwd = options.cwd ?? process.cwd();
  const merged = mergeDotEnv(options.env ?? process.env, options.dotEnvPath, cwd);
  const vars = toEnvironmentVariables(merged);

  const problems: string[] = [];
  for (const error of validateSync(vars, { forbidUnknownValues: false })) {
    const got = (merged[error.property] ?? '').toString();
    // One message per variable: the type error if there is one, else the first rule broken.
    const constraints = error.constraints ?? {};
    const message = constraints['isInt'] ?? Object.values(constraints)[0] ?? 'is invalid';
    problems.push(`${error.property}: ${message} (got ${JSON.stringify(truncate(got))})`);
  }
  problems.push(...redisTopologyProblems(vars));
  if (problems.length > 0) throw new ConfigError(problems);

  const production = vars.NODE_ENV === 'production';
  const dataDir = isAbsolute(vars.DATA_DIR) ? vars.DATA_DIR : resolve(cwd, vars.DATA_DIR);
  const secrets = resolveSecrets(vars, production, dataDir, options.notice ?? defaultNotice);

  const trustedProxies = splitList(vars.TRUSTED_PROXY_IPS).map((entry) => {
    const cidr = parseCidr(entry);
    if (!cidr) throw new ConfigError([`TRUSTED_PROXY_IPS: invalid entry ${JSON.stringify(entry)}`]);
    return cidr.canonical;
  });

  return new AppConfig({
    production,
    downstreamUrl: new URL(vars.DOWNSTREAM_URL),
    redis: redisConfig(vars),
    postgres: { dsn: vars.PG_DSN },
    dataDir,
    secrets: secrets.values,
    generatedSecretsFile: secrets.file,
    adminPasswordGenerated: secrets.passwordGenerated === true,
    readinessRequiresNewApi: vars.READINESS_REQUIRES_NEW_API === 'true',
    trustedProxies,
    failsafeMode: vars.SENTINEL_FAILSAFE_MODE,
    http: { host: vars.APP_HOST, port: vars.APP_PORT, headersTimeoutMs: vars.APP_HEADERS_TIMEOUT_MS },
    alert: {
      webhookUrl: vars.ALERT_WEBHOOK_URL || undefined,
      thresholdCount: vars.ALERT_THRESHOLD_COUNT,
      thresholdSeconds: vars.ALERT_THRESHOLD_SECONDS,
    },
    archive: { days: vars.ARCHIVE_DAYS },
    bindRatePerAddress: vars.BIND_RATE_PER_ADDRESS,
    publicUrl: vars.PUBLIC_URL ? vars.PUBLIC_URL.replace(/\/+$/, '') : undefined,
    oidc: oidcConfig(vars),
    upstream: {
      timeoutMs: vars.UPSTREAM_TIMEOUT_MS,
      connectTimeoutMs: vars.UPSTREAM_CONNECT_TIMEOUT_MS,
    },
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
    body: { graceMs: vars.BODY_GRACE_MS, minRate: vars.BODY_MIN_RATE },
    websocket: {
      handshakeTimeoutMs: vars.WS_HANDSHAKE_TIMEOUT_MS,
      idleTimeoutMs: vars.WS_IDLE_TIMEOUT_MS,
      maxOpen: vars.WS_MAX_OPEN,
    },
    interceptQueueMax: vars.INTERCEPT_QUEUE_MAX,
    spoolMaxBytes: vars.SPOOL_MAX_BYTES,
    metrics: { host: vars.METRICS_HOST, port: vars.METRICS_PORT },
    logLevel: vars.LOG_LEVEL,
  });
}

/** One Redis topology: REDIS_ADDR alone, or REDIS_SENTINELS with REDIS_MASTER_NAME. */
function redisTopologyProblems(vars: EnvironmentVariables): string[] {
  const problems: string[] = [];
  if (vars.REDIS_SENTINELS !== undefined) {
    if (vars.REDIS_MASTER_NAME === undefined) {
      problems.push('REDIS_MASTER_NAME: required with REDIS_SENTINELS (the name in `sentinel monitor <name> …`)');
    }
    if (vars.REDIS_ADDR !== undefined) {
      problems.push('REDIS_ADDR: set either REDIS_ADDR (one Redis) or REDIS_SENTINELS (Redis Sentinel), not both');
    }
  } else {
    if (vars.REDIS_MASTER_NAME !== undefined) {
      problems.push('REDIS_MASTER_NAME: only meaningful with REDIS_SENTINELS, which is not set');
    }
    if (vars.REDIS_SENTINEL_PASSWORD !== undefined) {
      problems.push('REDIS_SENTINEL_PASSWORD: only meaningful with REDIS_SENTINELS, which is not set');
    }
  }
  return problems;
}

function redisConfig(vars: EnvironmentVariables): AppConfigValues['redis'] {
  const keyPrefix = vars.REDIS_KEY_PREFIX;
  const password = vars.REDIS_PASSWORD || undefined;
  if (vars.REDIS_SENTINELS !== undefined && vars.REDIS_MASTER_NAME !== undefined) {
    const nodes = splitList(vars.REDIS_SENTINELS).map((entry) => {
      const node = parseHostPort(entry);
      if (!node) throw new ConfigError([`REDIS_SENTINELS: invalid entry ${JSON.stringify(entry)}`]);
      return node;
    });
    return {
      url: undefined,
      sentinel: { nodes, masterName: vars.REDIS_MASTER_NAME, password: vars.REDIS_SENTINEL_PASSWORD || undefined },
      password,
      keyPrefix,
    };
  }
  if (vars.REDIS_ADDR) return { url: vars.REDIS_ADDR, password, keyPrefix };
  return { url: undefined, password: undefined, keyPrefix };
}

function mergeDotEnv(
  env: Readonly<Record<string, string | undefined>>,
  dotEnvPath: string | null | undefined,
  cwd: string,
): Record<string, string | undefined> {
  const path = dotEnvPath === undefined ? join(cwd, '.env') : dotEnvPath;
  const merged: Record<string, string | undefined> = {};
  if (path && existsSync(path)) {
    Object.assign(merged, parseDotEnv(readFileSync(path)));
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return merged;
}

function toEnvironmentVariables(raw: Record<string, string | undefined>): EnvironmentVariables {
  const vars = new EnvironmentVariables();
  const target = vars as unknown as Record<string, unknown>;
  for (const key of ENV_VARIABLE_NAMES) {
    const value = raw[key];
    if (value === undefined) continue;
    const trimmed = value.trim();
    // The original tool's .env ships empty optional values (REDIS_PASSWORD=, ALERT_WEBHOOK_URL=).
    if (trimmed === '' && key !== 'TRUSTED_PROXY_IPS') continue;
    if (INTEGER_VARIABLES.has(key as keyof EnvironmentVariables)) {
      target[key] = /^[0-9]{1,10}$/.test(trimmed) ? Number(trimmed) : trimmed;
    } else {
      target[key] = trimmed;
    }
  }
  return vars;
}

interface Secrets {
  hmacSecret: string;
  jwtSecret: string;
  adminPassword: string;
}

type SecretName = 'SENTINEL_HMAC_SECRET' | 'ADMIN_JWT_SECRET' | 'ADMIN_PASSWORD';

function resolveSecrets(
  vars: EnvironmentVariables,
  production: boolean,
  dataDir: string,
  notice: (message: string) => void,
): { values: Secrets; file?: string; passwordGenerated?: boolean } {
  const problems: string[] = [];
  const given: Partial<Record<SecretName, string>> = {};
  const check = (name: SecretName, value: string | undefined, minBytes: number) => {
    if (value === undefined) {
      if (production) problems.push(`${name}: required when NODE_ENV=production`);
      return;
    }
    if (PLACEHOLDER.test(value)) {
      problems.push(`${name}: still holds a placeholder value; set a real secret`);
    } else if (Buffer.byteLength(value) < minBytes) {
      problems.push(`${name}: must be at least ${minBytes} bytes (got ${Buffer.byteLength(value)})`);
    } else {
      given[name] = value;
    }
  };
  check('SENTINEL_HMAC_SECRET', vars.SENTINEL_HMAC_SECRET, SECRET_MIN_BYTES);
  check('ADMIN_JWT_SECRET', vars.ADMIN_JWT_SECRET, SECRET_MIN_BYTES);
  check('ADMIN_PASSWORD', vars.ADMIN_PASSWORD, 8);
  if (problems.length > 0) throw new ConfigError(problems);

  if (given.SENTINEL_HMAC_SECRET && given.ADMIN_JWT_SECRET && given.ADMIN_PASSWORD) {
    return {
      values: {
        hmacSecret: given.SENTINEL_HMAC_SECRET,
        jwtSecret: given.ADMIN_JWT_SECRET,
        adminPassword: given.ADMIN_PASSWORD,
      },
    };
  }

  // Quick start: no secrets configured. Generate them once, keep them in the data directory
  // with owner-only permissions, and say where they are.
  const file = join(dataDir, 'secrets.json');
  let stored: Partial<Secrets> = {};
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>;
    } catch {
      throw new ConfigError([`DATA_DIR: ${file} exists but is not valid JSON; fix or remove it`]);
    }
  }
  const generated: Secrets = {
    hmacSecret: stored.hmacSecret ?? randomBytes(32).toString('base64url'),
    jwtSecret: stored.jwtSecret ?? randomBytes(32).toString('base64url'),
    adminPassword: stored.adminPassword ?? randomBytes(12).toString('base64url'),
  };
  const created = stored.adminPassword === undefined;
  if (stored.hmacSecret !== generated.hmacSecret || stored.jwtSecret !== generated.jwtSecret || created) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(generated, null, 2) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const values: Secrets = {
    hmacSecret: given.SENTINEL_HMAC_SECRET ?? generated.hmacSecret,
    jwtSecret: given.ADMIN_JWT_SECRET ?? generated.jwtSecret,
    adminPassword: given.ADMIN_PASSWORD ?? generated.adminPassword,
  };
  const fromFile = (['SENTINEL_HMAC_SECRET', 'ADMIN_JWT_SECRET', 'ADMIN_PASSWORD'] as const).filter(
    (n) => given[n] === undefined,
  );
  if (created && given.ADMIN_PASSWORD === undefined) {
    notice(
      `Generated an admin password for this installation: ${generated.adminPassword}\n` +
        `It is kept (with the generated ${fromFile.join(', ')}) in ${file} (mode 0600). ` +
        `Set ADMIN_PASSWORD and the secrets in .env for production.`,
    );
  } else {
    notice(`Using generated ${fromFile.join(', ')} kept in ${file} (mode 0600).`);
  }
  return { values, file, passwordGenerated: created && given.ADMIN_PASSWORD === undefined };
}

function defaultNotice(message: string): void {
  process.stderr.write(`[sentinel] ${message}\n`);
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Single sign-on from OIDC_*: all four of issuer, client id, secret and redirect URL, or none. */
function oidcConfig(vars: EnvironmentVariables): OidcConfig | undefined {
  const given = [vars.OIDC_ISSUER, vars.OIDC_CLIENT_ID, vars.OIDC_CLIENT_SECRET, vars.OIDC_REDIRECT_URL];
  if (given.every((v) => !v)) return undefined;
  if (given.some((v) => !v))
    throw new ConfigError(['OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_REDIRECT_URL go together']);
  const roleMap: Record<string, string> = {};
  for (const pair of splitList(vars.OIDC_ROLE_MAP)) {
    const at = pair.lastIndexOf('=');
    const role = pair.slice(at + 1).trim();
    if (at <= 0 || !['viewer', 'operator', 'admin'].includes(role))
      throw new ConfigError([`OIDC_ROLE_MAP: ${JSON.stringify(pair)} is not <claim value>=viewer|operator|admin`]);
    roleMap[pair.slice(0, at).trim()] = role;
  }
  return {
    issuer: vars.OIDC_ISSUER as string,
    clientId: vars.OIDC_CLIENT_ID as string,
    clientSecret: vars.OIDC_CLIENT_SECRET as string,
    redirectUrl: vars.OIDC_REDIRECT_URL as string,
    roleClaim: vars.OIDC_ROLE_CLAIM || 'groups',
    roleMap,
    name: vars.OIDC_NAME || 'single sign-on',
  };
}
