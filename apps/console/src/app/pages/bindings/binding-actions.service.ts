import { Injectable, inject } from '@angular/core';
import { MatDialog } from '@angular/material/dialog';
import { BindingsApi } from '@sentinel/admin-client';
import type { BindingOperationResponse, BindingSummary } from '@sentinel/admin-contract';
import { EMPTY, Observable, catchError, filter, switchMap, tap } from 'rxjs';

import { I18nService } from '../../core/i18n/i18n.service';
import { confirmAction } from '../../shared/confirm-dialog/confirm-dialog';
import { ToastService } from '../../shared/toast/toast.service';
import { RuleDialog, RuleDialogData } from './rule-dialog';

/**
 * The row actions of a binding, shared by the list and the detail view: destructive ones confirm
 * first, every completed one shows a toast. Each emits the API's answer once, or completes
 * without emitting when cancelled or failed.
 */
@Injectable({ providedIn: 'root' })
export class BindingActions {
  private readonly api = inject(BindingsApi);
  private readonly dialog = inject(MatDialog);
  private readonly toast = inject(ToastService);
  private readonly t = inject(I18nService).messages;

  unbind(binding: BindingSummary): Observable<BindingOperationResponse> {
    const t = this.t().bindings;
    return this.confirmed(
      t.confirmUnbindTitle,
      t.confirmUnbindBody(binding.tokenMask),
      t.unbind,
      () => this.api.unbind(binding.id),
      t.unbound(binding.tokenMask),
    );
  }

  ban(binding: BindingSummary): Observable<BindingOperationResponse> {
    const t = this.t().bindings;
    return this.confirmed(
      t.confirmBanTitle,
      t.confirmBanBody(binding.tokenMask),
      t.ban,
      () => this.api.ban(binding.id),
      t.banned(binding.tokenMask),
    );
  }

  unban(binding: BindingSummary): Observable<BindingOperationResponse> {
    const t = this.t().bindings;
    return this.confirmed(
      t.confirmUnbanTitle,
      t.confirmUnbanBody(binding.tokenMask),
      t.unban,
      () => this.api.unban(binding.id),
      t.unbanned(binding.tokenMask),
    );
  }

  editRule(binding: BindingSummary): Observable<BindingOperationResponse> {
    return this.dialog
      .open<RuleDialog, RuleDialogData, BindingOperationResponse>(RuleDialog, {
        data: { binding },
        width: '560px',
        maxWidth: '95vw',
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .pipe(
        filter((r): r is BindingOperationResponse => r !== undefined),
        tap((r) => this.announce(r, this.t().bindings.ruleSaved(binding.tokenMask))),
      );
  }

  private confirmed(
    title: string,
    message: string,
    confirm: string,
    call: () => Observable<BindingOperationResponse>,
    success: string,
  ): Observable<BindingOperationResponse> {
    return confirmAction(this.dialog, { title, message, confirm }).pipe(
      filter(Boolean),
      switchMap(() => this.done(call(), success)),
    );
  }

  private done(call: Observable<BindingOperationResponse>, success: string): Observable<BindingOperationResponse> {
    return call.pipe(
      tap((r) => this.announce(r, success)),
      catchError((error: unknown) => {
        this.toast.error(error);
        return EMPTY;
      }),
    );
  }

  private announce(result: BindingOperationResponse, success: string): void {
    this.toast.success(result.propagated === 'local' ? `${success} ${this.t().bindings.localOnly}` : success);
  }
}
