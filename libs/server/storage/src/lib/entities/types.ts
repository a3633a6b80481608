/** Rule kinds of a binding: defined once, in libs/shared/admin-contract/src/lib/rule-kinds.ts. */
export { RULE_KINDS, type RuleKind } from '@sentinel/admin-contract';

export const BINDING_STATUSES = ['active', 'banned'] as const;
export type BindingStatus = (typeof BINDING_STATUSES)[number];

/** Why a row landed in archived_bindings. */
export const ARCHIVE_REASONS = ['retention', 'unbind'] as const;
export type ArchiveReason = (typeof ARCHIVE_REASONS)[number];

export const ALERT_DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const;
export type AlertDeliveryStatus = (typeof ALERT_DELIVERY_STATUSES)[number];

/** Column limits the writers of intercept_logs must respect (see truncateText). */
export const INTERCEPT_LOG_LIMITS = { path: 2048, userAgent: 512, requestId: 128, method: 16 } as const;

/**
 * Cuts `value` to at most `max` UTF-16 code units without splitting a surrogate pair, so the
 * result is always valid UTF-8 for PostgreSQL. `null`/`undefined` pass through as `null`.
 */
export function truncateText(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  if (value.length <= max) return value;
  let end = max;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // high surrogate whose pair would be cut off
  return value.slice(0, end);
}
