import { ChangeDetectionStrategy, Component, computed, inject, input, model } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatMenuModule } from '@angular/material/menu';

import { I18nService } from '../../core/i18n/i18n.service';
import { LOCAL_STORAGE, readPreference, writePreference } from '../../core/storage/local-storage';

export interface ChoosableColumn {
  readonly id: string;
  readonly label: string;
}

/** The columns to show: `all` in order, without the hidden ones. */
export function visibleColumns(all: readonly string[], hidden: ReadonlySet<string>): string[] {
  return all.filter((c) => !hidden.has(c));
}

/** Hidden column ids as a preference (a JSON list); anything unreadable is "none hidden". */
export function readHiddenColumns(storage: Storage | null, key: string): Set<string> {
  try {
    const v: unknown = JSON.parse(readPreference(storage, key) ?? '[]');
    return new Set(Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string') : []);
  } catch {
    return new Set();
  }
}

/**
 * "Columns" menu of a wide table: a checkbox per optional column. The choice is two-way bound
 * (`[(hidden)]`) and remembered in the browser's preferences under `storageKey`.
 */
@Component({
  selector: 'app-column-chooser',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatMenuModule],
  template: `
    <button mat-stroked-button type="button" [matMenuTriggerFor]="menu" [attr.data-testid]="testId()">
      {{ t().common.columns }}{{ hiddenCount() > 0 ? ' (' + t().common.columnsHidden(hiddenCount()) + ')' : '' }}
    </button>
    <mat-menu #menu="matMenu" xPosition="before">
      @for (c of columns(); track c.id) {
        <button
          mat-menu-item
          type="button"
          role="menuitemcheckbox"
          [attr.aria-checked]="!hidden().has(c.id)"
          [attr.data-testid]="testId() + '-' + c.id"
          (click)="toggle(c.id, hidden().has(c.id))"
        >
          <span class="column-check" aria-hidden="true">{{ hidden().has(c.id) ? '' : '✓' }}</span>
          {{ c.label }}
        </button>
      }
    </mat-menu>
  `,
  styles: `
    .column-check {
      display: inline-block;
      width: 1.5em;
    }
  `,
})
export class ColumnChooser {
  private readonly storage = inject(LOCAL_STORAGE);
  protected readonly t = inject(I18nService).messages;

  readonly columns = input.required<readonly ChoosableColumn[]>();
  readonly storageKey = input.required<string>();
  readonly testId = input('columns');
  readonly hidden = model<ReadonlySet<string>>(new Set());
  protected readonly hiddenCount = computed(() => this.hidden().size);

  protected toggle(id: string, shown: boolean): void {
    const next = new Set(this.hidden());
    if (shown) next.delete(id);
    else next.add(id);
    this.hidden.set(next);
    writePreference(this.storage, this.storageKey(), JSON.stringify([...next]));
  }
}
