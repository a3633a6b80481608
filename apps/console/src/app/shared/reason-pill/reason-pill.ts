import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import type { InterceptReason } from '@sentinel/admin-contract';

import { I18nService } from '../../core/i18n/i18n.service';

/** Why a request was intercepted, as the coloured pill every table shows (all reasons, incl. `address_limit`). */
@Component({
  selector: 'app-reason-pill',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span [class]="'status-pill reason-' + reason()">{{ label() }}</span>`,
})
export class ReasonPill {
  private readonly t = inject(I18nService).messages;
  readonly reason = input.required<InterceptReason>();
  protected readonly label = computed(() => reasonLabel(this.t().common.reasons, this.reason()));
}

/** The label of a reason; an unknown one (a newer server) shows as sent. */
export function reasonLabel(labels: Readonly<Record<InterceptReason, string>>, reason: InterceptReason): string {
  return (labels as Readonly<Record<string, string>>)[reason] ?? reason;
}
