import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time password check: both sides are reduced to HMAC-SHA256 digests (32 bytes each,
 * under a key chosen at start-up) and compared with timingSafeEqual, so neither the length nor
 * the content of the guess changes the comparison's timing.
 */
export class PasswordVerifier {
  private readonly key = randomBytes(32);
  private readonly expected: Buffer;

  constructor(password: string) {
    this.expected = this.digest(password);
  }

  matches(candidate: string): boolean {
    return timingSafeEqual(this.digest(candidate), this.expected);
  }

  private digest(value: string): Buffer {
    return createHmac('sha256', this.key).update(value, 'utf8').digest();
  }
}

/**
 * A short fingerprint of the admin password, bound to the JWT secret. Carried in every token
 * (`pwd` claim): changing ADMIN_PASSWORD changes it, so earlier tokens stop working. It reveals
 * nothing usable about the password (an HMAC under a 256-bit secret, truncated to 64 bits).
 */
export function passwordFingerprint(jwtSecret: string, password: string): string {
  return createHmac('sha256', jwtSecret).update(`admin-password:${password}`, 'utf8').digest('base64url').slice(0, 11);
}

/** The lockout key of an account name (hashed: arbitrary user input never becomes a raw key). */
export function accountKey(username: string): string {
  return createHash('sha256').update(username.trim().toLowerCase().slice(0, 128), 'utf8').digest('hex').slice(0, 32);
}
