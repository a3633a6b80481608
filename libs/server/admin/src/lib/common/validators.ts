import { parseIp, validateRuleEntry } from '@sentinel/net';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** One IP address (IPv4 or IPv6, strict: no leading zeros, zone ids or ports). */
export function IsIpAddress(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIpAddress',
      validator: {
        validate: (v: unknown) => typeof v === 'string' && v.length <= 64 && parseIp(v) !== null,
        defaultMessage: (a) => `${a?.property} must be an IP address such as 203.0.113.7 or 2001:db8::1`,
      },
    },
    options,
  );
}

/** One IP address, or a CIDR range (`10.0.0.0/8`); the message says why not. */
export function IsIpOrCidr(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIpOrCidr',
      validator: {
        validate: (v: unknown) => typeof v === 'string' && v.length <= 64 && validateRuleEntry(v.trim()).ok,
        defaultMessage: (a) => {
          const v = a?.value;
          const r = typeof v === 'string' ? validateRuleEntry(v.trim()) : null;
          const why = r && !r.ok ? `: ${r.error}` : '';
          return `${a?.property} must be an IP address or CIDR range such as 203.0.113.7 or 10.0.0.0/8${why}`;
        },
      },
    },
    options,
  );
}

/** Each element an IP address or CIDR range; the message says which one and why. */
export function IsRuleEntries(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRuleEntries',
      validator: {
        validate: (v: unknown) =>
          Array.isArray(v) && v.every((e) => typeof e === 'string' && validateRuleEntry(e.trim()).ok),
        defaultMessage: (a) => {
          const v = a?.value;
          if (!Array.isArray(v)) return `${a?.property} must be a list of IP addresses or CIDR ranges`;
          const problems: string[] = [];
          v.forEach((e: unknown, i: number) => {
            if (typeof e !== 'string') problems.push(`#${i + 1}: not text`);
            else {
              const r = validateRuleEntry(e.trim());
              if (!r.ok) problems.push(`#${i + 1}: ${r.error}`);
            }
          });
          return problems.slice(0, 5).join(' | ');
        },
      },
    },
    options,
  );
}

/** A binding reference: the numeric id or the 64-hex token id. */
export const BINDING_REF = /^(?:[1-9][0-9]{0,17}|[0-9a-f]{64})$/;
export const BINDING_REF_MESSAGE = 'id must be a binding id (digits) or a token id (64 hex characters)';
