import { Directive, TemplateRef, ViewContainerRef, effect, inject, input } from '@angular/core';
import { AccountStore } from '@sentinel/admin-client';
import type { AdminRole } from '@sentinel/admin-contract';

/**
 * `*appCan="'operator'"`: renders its element only while the signed-in role is at least the given
 * one (viewer < operator < admin), so an action the role cannot run is absent rather than a button
 * that answers 403. The server enforces the same roles on every call regardless; this only keeps
 * the console honest about what the user can do. The roles per API operation are the contract's
 * (ADMIN_OPERATIONS[…].role).
 */
@Directive({ selector: '[appCan]' })
export class Can {
  readonly appCan = input.required<AdminRole>();
  private readonly accounts = inject(AccountStore);
  private readonly template = inject(TemplateRef<unknown>);
  private readonly view = inject(ViewContainerRef);
  private shown = false;

  constructor() {
    effect(() => {
      const allowed = this.accounts.can(this.appCan());
      if (allowed && !this.shown) this.view.createEmbeddedView(this.template);
      if (!allowed && this.shown) this.view.clear();
      this.shown = allowed;
    });
  }
}
