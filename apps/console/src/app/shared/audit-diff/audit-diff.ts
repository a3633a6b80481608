import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

export interface DiffLine {
  /** The changed field; '' when the value itself is not an object. */
  readonly field: string;
  readonly before: string;
  readonly after: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value for people: arrays as `a, b`, strings as they are, nothing as `—`. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.length === 0 ? '—' : v.map(showValue).join(', ');
  if (typeof v === 'string') return v === '' ? '—' : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * The fields that changed between an audit row's before and after, one `field: old → new` line
 * each; unchanged fields, and context fields only the before side carries, are left out. Non-object values give one line without a field.
 */
export function auditDiff(before: unknown, after: unknown): DiffLine[] {
  if (before == null && after == null) return [];
  if (isRecord(before) || isRecord(after)) {
    const b = isRecord(before) ? before : {};
    const a = isRecord(after) ? after : {};
    // The after side names the fields that matter (before may carry context such as the mask);
    // with no after (a removal), the before side does.
    const fields = Object.keys(isRecord(after) ? a : b);
    return fields
      .filter((f) => JSON.stringify(b[f]) !== JSON.stringify(a[f]))
      .map((field) => ({ field, before: showValue(b[field]), after: showValue(a[field]) }));
  }
  return [{ field: '', before: showValue(before), after: showValue(after) }];
}

/** An audit row's change as a readable diff. `labels` names fields (setting keys) for people. */
@Component({
  selector: 'app-audit-diff',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (lines().length > 0) {
      <ul class="audit-diff" data-testid="audit-diff">
        @for (l of lines(); track l.field) {
          <li>
            @if (l.field) {
              <span class="audit-diff-field">{{ (labels()[l.field] ?? l.field) + ': ' }}</span>
            }
            <span class="audit-diff-old">{{ l.before }}</span> → <span class="audit-diff-new">{{ l.after }}</span>
          </li>
        }
      </ul>
    }
  `,
  styles: `
    .audit-diff {
      margin: 0;
      padding: 0;
      list-style: none;
    }
    .audit-diff-field {
      font-weight: 500;
    }
    .audit-diff-old {
      text-decoration: line-through;
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class AuditDiff {
  readonly before = input<unknown>(null);
  readonly after = input<unknown>(null);
  readonly labels = input<Readonly<Record<string, string | undefined>>>({});
  protected readonly lines = computed(() => auditDiff(this.before(), this.after()));
}
