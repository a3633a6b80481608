import { createHash, createHmac } from 'node:crypto';

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
