import { parseCidr, type Cidr } from './cidr';
import { parseV4Range } from './ip';

export type RuleEntryValidation =
  | {
      readonly ok: true;
      readonly cidr: Cidr;
      /** Set when the entry was normalised, e.g. `normalised 10.0.0.5/8 → 10.0.0.0/8`. */
      readonly notice?: string;
    }
  | { readonly ok: false; readonly error: string };

/** Longest sensible entry: an IPv6 address with embedded IPv4 and `/128`. */
const MAX_ENTRY = 49;

/**
 * Validates one rule entry (an IP address or CIDR range) for the admin API and the console's
 * form: the same strict parser as the hot path, with a human-readable reason when it fails and a
 * notice when the entry was normalised (host bits cleared, IPv4-mapped → IPv4).
 */
export function validateRuleEntry(input: string): RuleEntryValidation {
  if (typeof input !== 'string') return { ok: false, error: 'Enter an IP address or a CIDR range as text.' };
  const cidr = parseCidr(input);
  if (cidr !== null) {
    const why: string[] = [];
    if (cidr.fromMapped) why.push('IPv4-mapped IPv6 is stored as IPv4');
    if (cidr.hostBitsSet) why.push(`bits right of the /${cidr.prefix} mask cleared`);
    if (why.length === 0) return { ok: true, cidr };
    return { ok: true, cidr, notice: `normalised ${input} → ${cidr.display} (${why.join('; ')})` };
  }
  return { ok: false, error: diagnose(input) };
}

/** Shows a fragment of user input safely inside a message. */
function quote(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, '?');
  return `"${printable.length > 40 ? `${printable.slice(0, 40)}…` : printable}"`;
}

/** Why `input` is not a valid entry. Slow path: only runs after the strict parser refused. */
function diagnose(input: string): string {
  if (input.length === 0) return 'Enter an IP address or a CIDR range, e.g. 203.0.113.7, 10.0.0.0/8 or 2001:db8::/64.';
  if (/\s/.test(input)) {
    const trimmed = input.trim();
    const hint = trimmed !== input && parseCidr(trimmed) !== null ? ` (without them: ${trimmed})` : '';
    return `Remove the spaces: one entry is one address or range${hint}.`;
  }
  if (input.length > MAX_ENTRY) return 'Too long to be an IP address or CIDR range.';
  if (/[^\x21-\x7e]/.test(input)) return `${quote(input)} contains characters that cannot appear in an IP address.`;
  if (input.includes('[') || input.includes(']')) {
    return 'Remove the brackets: write 2001:db8::1, not [2001:db8::1] (and no port).';
  }
  if (input.includes('%'))
    return 'Zone ids (the "%eth0" part) are not allowed: a zone only means something on one machine.';
  const slashes = input.split('/').length - 1;
  if (slashes > 1) return 'Only one "/" is allowed: address/prefix-length, e.g. 10.0.0.0/8.';
  const [address, prefixText] = input.split('/') as [string, string | undefined];
  const addressError = diagnoseAddress(address);
  if (addressError !== null) return addressError;
  if (prefixText !== undefined) {
    const family = address.includes(':') ? 6 : 4;
    const max = family === 4 ? 32 : 128;
    if (prefixText.length === 0) return `The prefix length after "/" is missing (0–${max}).`;
    if (!/^[0-9]+$/.test(prefixText))
      return `The prefix length must be a whole number from 0 to ${max}, not ${quote(prefixText)}.`;
    if (prefixText.length > 1 && prefixText.startsWith('0')) {
      return `Write the prefix length without leading zeros (/${Number(prefixText)}, not /${prefixText}).`;
    }
    return `The prefix length must be between 0 and ${max} for IPv${family}, not ${prefixText}.`;
  }
  return `${quote(input)} is not a valid IP address or CIDR range.`;
}

function diagnoseAddress(address: string): string | null {
  if (address.length === 0) return 'The address before "/" is missing.';
  if (parseCidr(address) !== null) return null;
  if (address.includes(':')) return diagnoseV6(address);
  return diagnoseV4(address, 'IPv4 address');
}

function diagnoseV4(text: string, what: string): string | null {
  if (parseV4Range(text, 0, text.length) >= 0) return null;
  if (/^0[xX]/.test(text) || /(^|\.)0[xX]/.test(text)) {
    return `Hexadecimal IPv4 forms like ${quote(text)} are not accepted; write four decimal octets, e.g. 127.0.0.1.`;
  }
  if (/^[0-9]+$/.test(text)) {
    return `Integer IPv4 forms like ${quote(text)} are not accepted; write four decimal octets, e.g. 127.0.0.1.`;
  }
  const octets = text.split('.');
  if (octets.length < 4) {
    return `Shortened IPv4 forms like ${quote(text)} are not accepted; write all four octets, e.g. 127.0.0.1.`;
  }
  if (octets.length > 4) return `An ${what} has exactly four octets; ${quote(text)} has ${octets.length}.`;
  for (const octet of octets) {
    if (octet.length === 0) return `${quote(text)} has an empty octet.`;
    if (!/^[0-9]+$/.test(octet)) {
      if (/[a-fA-F]/.test(octet) && /^[0-9a-fA-F]+$/.test(octet)) {
        return `Hexadecimal octets (${quote(octet)}) are not accepted; write the octets in decimal.`;
      }
      return `${quote(octet)} is not a decimal octet.`;
    }
    if (octet.length > 1 && octet.startsWith('0')) {
      return `Octet ${quote(octet)} has a leading zero, which some systems read as octal; write it without leading zeros.`;
    }
    if (Number(octet) > 255) return `Octet ${octet} is out of range (0–255).`;
  }
  return `${quote(text)} is not a valid ${what}.`;
}

function diagnoseV6(text: string): string {
  // "1.2.3.4:80" — an IPv4 address with a port.
  const lastColon = text.lastIndexOf(':');
  if (
    text.indexOf(':') === lastColon &&
    /^[0-9]+$/.test(text.slice(lastColon + 1)) &&
    text.slice(0, lastColon).includes('.')
  ) {
    return `Ports are not allowed: write ${text.slice(0, lastColon)} without ":${text.slice(lastColon + 1)}".`;
  }
  const doubles = text.split('::').length - 1;
  if (text.includes(':::') || doubles > 1) return '"::" may appear only once in an IPv6 address.';
  const lastDot = text.indexOf('.');
  let hexPart = text;
  if (lastDot >= 0) {
    const tailStart = text.lastIndexOf(':') + 1;
    const tail = text.slice(tailStart);
    const tailError = diagnoseV4(tail, 'embedded IPv4 address');
    if (tailError !== null) return `The IPv4 part of ${quote(text)} is not valid: ${tailError}`;
    hexPart = text.slice(0, tailStart) + '0:0';
  }
  const bad = /[^0-9a-fA-F:]/.exec(hexPart);
  if (bad !== null) return `${quote(bad[0])} is not a hexadecimal digit; IPv6 addresses use 0-9, a-f and ":".`;
  if ((hexPart.startsWith(':') && !hexPart.startsWith('::')) || (hexPart.endsWith(':') && !hexPart.endsWith('::'))) {
    return 'An IPv6 address cannot start or end with a single ":".';
  }
  const groups = hexPart.split(':').filter((g) => g.length > 0);
  const long = groups.find((g) => g.length > 4);
  if (long !== undefined) return `IPv6 groups have at most four hex digits; ${quote(long)} has ${long.length}.`;
  if (doubles === 0 && groups.length !== 8) {
    return `An IPv6 address has eight groups (or "::" for a run of zeros); ${quote(text)} has ${groups.length}.`;
  }
  if (doubles === 1 && groups.length > 7)
    return `An IPv6 address has at most eight groups; ${quote(text)} has too many.`;
  return `${quote(text)} is not a valid IPv6 address.`;
}
