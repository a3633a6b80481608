import {
  ChangeDetectionStrategy,
  Component,
  inject,
  input,
} from '@angular/core';
import { MatCardModule } from '@angular/material/card';

import { I18nService } from '../../core/i18n/i18n.service';
import { PageId } from '../../core/navigation/pages';

/**
 * Stand-in for a page whose admin API does not exist yet. `page` is bound from the route's
 * `data.page` (router `withComponentInputBinding()`).
 */
@Component({
  selector: 'app-page-placeholder',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatCardModule],
  templateUrl: './page-placeholder.html',
  styleUrl: './page-placeholder.scss',
})
export class PagePlaceholder {
  readonly page = input.required<PageId>();

  protected readonly t = inject(I18nService).messages;
}
