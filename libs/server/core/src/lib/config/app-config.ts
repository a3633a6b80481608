import type { FailsafeMode, LogLevel } from './env.schema';

/** Redis Sentinel: the sentinels to ask, the master group they monitor, their own password. */
export interface RedisSentinelConfig {
  nodes: readonly { host: string; port: number }[];
  masterName: string;
  password: string | undefined;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  roleClaim: string;
  /** Claim value → role name (validated against the admin roles by the admin module). */
  roleMap: Readonly<Record<string, string>>;
  name: string;
}

export interface AppConfigValues {
  production: boolean;
  downstreamUrl: URL;
  /** `url` (REDIS_ADDR) or `sentinel` (REDIS_SENTINELS), never both; neither: in-process. */
  redis: {
    url: string | undefined;
    sentinel?: RedisSentinelConfig;
    password: string | undefined;
    keyPrefix: string;
  };
  postgres: { dsn: string | undefined };
  dataDir: string;
  secrets: { hmacSecret: string; jwtSecret: string; adminPassword: string };
  /** Set when some secret came from the generated file in the data directory. */
  generatedSecretsFile?: string;
  /** True on the first start of a quick-start install: the admin password was generated just now. */
  adminPasswordGenerated?: boolean;
  /** READINESS_REQUIRES_NEW_API: readiness fails while New API is unreachable. */
  readinessRequiresNewApi?: boolean;
  /** Canonical CIDRs (`10.0.0.0/8`, `1.2.3.4/32`). Empty: trust no proxy. */
  trustedProxies: readonly string[];
  failsafeMode: FailsafeMode;
  /** `headersTimeoutMs`: the whole request header block must arrive within it (408). */
  http: { host: string; port: number; headersTimeoutMs: number };
  alert: { webhookUrl: string | undefined; thresholdCount: number; thresholdSeconds: number };
  archive: { days: number };
  /** Default of the live setting bindRatePerAddress (first-use bindings per address and minute; 0 = off). */
  bindRatePerAddress: number;
  /** Public base URL (no trailing slash), for links in alerts. */
  publicUrl: string | undefined;
  /** Single sign-on; undefined unless issuer, client id, secret and redirect URL are all set. */
  oidc?: OidcConfig;
  upstream: { timeoutMs: number; connectTimeoutMs: number };
  shutdownGraceMs: number;
  /** Request bodies: after `graceMs` a body still arriving must average `minRate` bytes/s (0 = off), else 408. */
  body: { graceMs: number; minRate: number };
  /** Upgraded sockets: handshake and idle timeouts, and the most open at once (503 past it). */
  websocket: { handshakeTimeoutMs: number; idleTimeoutMs: number; maxOpen: number };
  /** Bound of the in-memory intercept row queue (PostgreSQL down). */
  interceptQueueMax: number;
  /** Bound of the local spool under DATA_DIR/spool (0 = none). */
  spoolMaxBytes: number;
  metrics: { host: string; port: number };
  logLevel: LogLevel;
}

/**
 * The validated, typed configuration. Injected by class (`constructor(private config: AppConfig)`);
 * nothing outside the config folder reads process.env.
 */
export class AppConfig implements Readonly<AppConfigValues> {
  readonly production!: boolean;
  readonly downstreamUrl!: URL;
  readonly redis!: AppConfigValues['redis'];
  readonly postgres!: AppConfigValues['postgres'];
  readonly dataDir!: string;
  readonly secrets!: AppConfigValues['secrets'];
  readonly generatedSecretsFile?: string;
  readonly adminPasswordGenerated?: boolean;
  readonly readinessRequiresNewApi?: boolean;
  readonly trustedProxies!: readonly string[];
  readonly failsafeMode!: FailsafeMode;
  readonly http!: AppConfigValues['http'];
  readonly alert!: AppConfigValues['alert'];
  readonly archive!: AppConfigValues['archive'];
  readonly bindRatePerAddress!: number;
  readonly publicUrl!: string | undefined;
  readonly oidc?: OidcConfig;
  readonly upstream!: AppConfigValues['upstream'];
  readonly shutdownGraceMs!: number;
  readonly body!: AppConfigValues['body'];
  readonly websocket!: AppConfigValues['websocket'];
  readonly interceptQueueMax!: number;
  readonly spoolMaxBytes!: number;
  readonly metrics!: AppConfigValues['metrics'];
  readonly logLevel!: LogLevel;

  constructor(values: AppConfigValues) {
    Object.assign(this, values);
    Object.freeze(this);
  }

  /** Embedded mode: no PG_DSN → PGlite in the data directory. */
  get embeddedPostgres(): boolean {
    return this.postgres.dsn === undefined;
  }

  /** Neither REDIS_ADDR nor REDIS_SENTINELS → the Redis role is served in-process (single instance only). */
  get inProcessRedis(): boolean {
    return this.redis.url === undefined && this.redis.sentinel === undefined;
  }
}
