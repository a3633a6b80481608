import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { availableParallelism } from 'node:os';

/**
 * Password hashing with Node's own scrypt (RFC 7914), the parameters OWASP lists for it:
 * N = 2^17, r = 8, p = 1 (128 MiB and a few hundred ms per hash on one core).
 *
 * Why Node's scrypt and not an Argon2 package: it is memory-hard, it ships with Node (no native
 * addon, so a clean clone installs on any CI without prebuilt binaries or a compiler), and the
 * callback form runs on libuv's thread pool, so a burst of logins never blocks the event loop
 * that serves proxied traffic (docs/admin-api.md has the measured figures).
 *
 * Stored form: `scrypt$<log2 N>$<r>$<p>$<salt b64url>$<hash b64url>` — the parameters travel with
 * the hash, so they can be raised later without invalidating existing accounts.
 */
export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

export const SCRYPT_DEFAULT: ScryptParams = { log2N: 17, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/**
 * At most this many scrypt computations at once per process (half the cores, at least one). The
 * thread pool keeps them off the event loop, but each still takes a whole core for hundreds of ms:
 * unbounded, a burst of sign-ins would take every core from the proxy. Queued checks wait their
 * turn; every check still costs the same, so the queue reveals nothing about a password.
 */
export const SCRYPT_CONCURRENCY = Math.max(1, Math.floor(availableParallelism() / 2));
let running = 0;
const waiting: Array<() => void> = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  // A finishing check hands its slot straight to the next one waiting (no window to overtake it).
  if (running >= SCRYPT_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return limited(() => deriveNow(password, salt, params));
}

function deriveNow(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    // scrypt needs 128 * N * r * p bytes (plus a little); Node's default cap is 32 MiB.
    maxmem: 128 * N * params.r * params.p + 16 * 1024 * 1024,
  };
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, params: ScryptParams = SCRYPT_DEFAULT): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params);
  return ['scrypt', params.log2N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [log2N, r, p] = parts.slice(1, 4).map(Number);
  if (![log2N, r, p].every((n) => Number.isInteger(n) && n > 0) || log2N > 22 || r > 32 || p > 16) return null;
  return { params: { log2N, r, p }, salt: Buffer.from(parts[4], 'base64url'), key: Buffer.from(parts[5], 'base64url') };
}

/** Constant-time comparison of the derived key; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/**
 * A hash nobody knows the password of, made once per process with the same parameters: unknown
 * usernames, disabled and external accounts are verified against it, so that every refusal costs
 * one scrypt and none answers faster than a wrong password.
 */
export class DummyHash {
  private value: Promise<string> | null = null;
  constructor(private readonly params: ScryptParams = SCRYPT_DEFAULT) {}
  get(): Promise<string> {
    this.value ??= hashPassword(randomBytes(24).toString('base64url'), this.params);
    return this.value;
  }
}
