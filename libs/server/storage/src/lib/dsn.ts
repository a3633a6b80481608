/**
 * PG_DSN handling. Sentinel accepts the URL forms the Python original accepted, so existing
 * `.env` files keep working:
 *
 *   postgresql://user:password@host:5432/db?sslmode=require
 *   postgres://user:password@host/db
 *   postgresql+asyncpg://user:password@host:5432/db      (SQLAlchemy's asyncpg dialect)
 *
 * The result is always a `postgresql://` URL for node-postgres. Everything after the scheme is kept
 * byte for byte (percent-encoded passwords stay encoded), except that the asyncpg spelling
 * `ssl=<libpq mode>` becomes `sslmode=<mode>`, which is what node-postgres reads.
 */

const SCHEME = /^(postgresql|postgres|postgresql\+asyncpg):\/\//i;
const LIBPQ_SSL_MODES = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']);

/** Hides the password of a DSN-like string so it can go into an error message or a log line. */
export function redactDsn(dsn: string): string {
  // Greedy up to the last '@': an unencoded '@' in the password must not leak its tail. When a
  // query string holds an '@' too, more than the password is hidden, which is the safe direction.
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)@/i.exec(dsn);
  if (!m) return dsn;
  const colon = m[2].indexOf(':');
  if (colon < 0) return dsn;
  return `${m[1]}${m[2].slice(0, colon)}:***@${dsn.slice(m[0].length)}`;
}

/**
 * Normalises a PG_DSN value to a `postgresql://` URL. Throws an Error naming PG_DSN (with the
 * password redacted) when the value is not a PostgreSQL URL.
 */
export function normalisePgDsn(dsn: string): string {
  const trimmed = dsn.trim();
  const scheme = SCHEME.exec(trimmed);
  if (!scheme) {
    throw invalid(trimmed, 'it must start with postgresql://, postgres:// or postgresql+asyncpg://');
  }
  const asyncpg = scheme[1].toLowerCase() === 'postgresql+asyncpg';
  const rest = trimmed.slice(scheme[0].length);
  if (/\s/.test(rest)) throw invalid(trimmed, 'it contains whitespace');

  let url: URL;
  try {
    url = new URL(`postgresql://${rest}`);
  } catch {
    throw invalid(trimmed, 'it is not a valid URL');
  }
  // A Unix-socket DSN (postgresql:///db?host=/run/postgresql) has no hostname but a host parameter.
  if (!url.hostname && !url.searchParams.get('host')) {
    throw invalid(trimmed, 'it has no host');
  }
  if (url.port && !/^\d+$/.test(url.port)) throw invalid(trimmed, 'its port is not a number');
  const path = decodeURIComponentSafe(url.pathname.replace(/^\//, ''));
  if (path === null || path.includes('/')) {
    throw invalid(trimmed, 'its path must be a single database name');
  }

  let out = `postgresql://${rest}`;
  if (asyncpg) out = translateAsyncpgSsl(out, url);
  return out;
}

function translateAsyncpgSsl(out: string, url: URL): string {
  const ssl = url.searchParams.get('ssl');
  if (ssl === null || url.searchParams.has('sslmode') || !LIBPQ_SSL_MODES.has(ssl.toLowerCase())) {
    return out;
  }
  const params = new URLSearchParams(url.search);
  params.delete('ssl');
  params.set('sslmode', ssl.toLowerCase());
  const queryStart = out.indexOf('?');
  const hashStart = out.indexOf('#');
  const base = out.slice(0, queryStart);
  const hash = hashStart > queryStart ? out.slice(hashStart) : '';
  return `${base}?${params.toString()}${hash}`;
}

function decodeURIComponentSafe(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

function invalid(dsn: string, why: string): Error {
  return new Error(
    `PG_DSN is not a valid PostgreSQL connection URL: ${why} ` +
      `(expected postgresql://user:password@host:5432/dbname, got ${JSON.stringify(redactDsn(dsn))})`,
  );
}
