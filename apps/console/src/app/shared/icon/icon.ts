import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

import { ICON_PATHS, IconName } from './icon-paths';

/**
 * A decorative 24×24 icon drawn from inline SVG paths (no icon font, no network). Always
 * `aria-hidden`: the control that holds it carries the accessible name.
 */
@Component({
  selector: 'app-icon',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <svg viewBox="0 0 24 24" focusable="false" aria-hidden="true">
      <path [attr.d]="path()" />
    </svg>
  `,
  styles: `
    /* Block-level so no line box shifts it: icons sit in buttons and flex rows, never in text. */
    :host {
      display: block;
      flex-shrink: 0;
      width: var(--app-icon-size, 24px);
      height: var(--app-icon-size, 24px);
    }
    svg {
      width: 100%;
      height: 100%;
      fill: currentColor;
    }
  `,
  host: {
    class: 'app-icon',
    'aria-hidden': 'true',
    '[attr.data-icon]': 'name()',
  },
})
export class Icon {
  readonly name = input.required<IconName>();

  protected readonly path = computed(() => ICON_PATHS[this.name()]);
}
