import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import type { InterceptLogItem, RuleKind } from '@sentinel/admin-contract';

import { I18nService } from '../../core/i18n/i18n.service';
import { ruleText } from '../../pages/bindings/rule-text';
import { DateTimePipe } from '../format/date-time';
import { ReasonPill } from '../reason-pill/reason-pill';

export type InterceptColumn = 'time' | 'token' | 'clientIp' | 'reason' | 'rule' | 'request' | 'userAgent';

/**
 * The intercepts table of the logs page and of a binding's detail: the same cells (time, token,
 * address, reason, rule, request, user agent), whichever columns the page shows. Each cell carries
 * its column name as `data-label` for the stacked phone layout.
 */
@Component({
  selector: 'app-intercepts-table',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DateTimePipe, MatTableModule, ReasonPill, RouterLink],
  templateUrl: './intercepts-table.html',
  styles: `
    :host {
      display: block;
    }
    .ua {
      max-width: 280px;
      overflow: hidden;
      text-overflow: ellipsis;
    }
  `,
})
export class InterceptsTable {
  protected readonly t = inject(I18nService).messages;

  readonly items = input.required<readonly InterceptLogItem[]>();
  readonly columns = input.required<readonly InterceptColumn[]>();
  readonly testId = input.required<string>();
  /** A sticky header row (tables that scroll inside a frame). */
  readonly stickyHeader = input(false);

  protected ruleText(item: { ruleKind: RuleKind; ruleEntries: string[] }): string {
    return `${this.t().common.ruleKinds[item.ruleKind]} · ${ruleText(item, this.t().bindings.anyIp)}`;
  }
}
