import { Injectable, inject } from '@angular/core';
import { MatDialog } from '@angular/material/dialog';
import { BindingsApi } from '@sentinel/admin-client';
import type {
  BindingBulkRequest,
  BindingOperationResponse,
  BindingSummary,
  BulkAction,
  PrebindResponse,
} from '@sentinel/admin-contract';
import { EMPTY, Observable, catchError, filter, map, of, switchMap, tap } from 'rxjs';

import { I18nService } from '../../core/i18n/i18n.service';
import { confirmAction } from '../../shared/confirm-dialog/confirm-dialog';
import { ToastService } from '../../shared/toast/toast.service';
import { BindingFieldsData, BindingFieldsDialog, BindingFieldsValue } from './binding-fields-dialog';
import { RuleDialog, RuleDialogData } from './rule-dialog';

/** The parameters a bulk action needs besides its selection (a label, a cap), or none. */
export type BulkParams = Pick<BindingBulkRequest, 'label' | 'maxAddresses'>;

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

  /** "Add bindings": the pre-bind dialog; emits its answer once keys were sent. */
  prebind(liveCap: number | null): Observable<PrebindResponse> {
    return this.dialog
      .open<RuleDialog, RuleDialogData, PrebindResponse>(RuleDialog, {
        data: { liveCap },
        width: '640px',
        maxWidth: '95vw',
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .pipe(
        filter((r): r is PrebindResponse => r !== undefined),
        tap((r) => {
          const t = this.t().bindings.prebind;
          this.toast.success(t.result(r.created.length, r.conflicts.length, r.replaced.length, r.invalid.length));
        }),
      );
  }

  editLabel(binding: BindingSummary): Observable<BindingOperationResponse> {
    const t = this.t().bindings;
    return this.fields({
      title: t.fields.labelTitle(binding.tokenMask),
      fields: ['label', 'note'],
      label: binding.label,
      note: binding.note,
    }).pipe(
      switchMap((v) => this.done(this.api.setLabel(binding.id, v.label, v.note), t.labelSaved(binding.tokenMask))),
    );
  }

  /** One binding's own cap on learnt addresses (a one-id bulk call: the same path as many). */
  setMaxAddresses(binding: BindingSummary, liveCap: number | null): Observable<unknown> {
    const t = this.t().bindings;
    return this.fields({
      title: t.fields.maxTitle(binding.tokenMask),
      fields: ['maxAddresses'],
      maxAddresses: binding.maxAddresses,
      liveCap,
    }).pipe(
      switchMap((v) =>
        this.api.bulk({ action: 'set_max_addresses', ids: [binding.id], maxAddresses: v.maxAddresses }).pipe(
          tap((r) => {
            if (r.failed > 0 || r.notFound > 0) throw new Error(r.results[0]?.reason ?? 'failed');
            this.toast.success(t.maxAddressesSaved(binding.tokenMask));
          }),
          catchError((error: unknown) => {
            this.toast.error(error);
            return EMPTY;
          }),
        ),
      ),
    );
  }

  /**
   * Asks for what a bulk action on `count` bindings needs — the label or cap, then a confirmation
   * naming the count — and emits its parameters, or nothing when cancelled.
   */
  confirmBulk(action: BulkAction, count: number, liveCap: number | null): Observable<BulkParams> {
    const t = this.t().bindings.bulk;
    const name = t.actions[action];
    const params: Observable<BulkParams> =
      action === 'set_label'
        ? this.fields({ title: t.confirmTitle(name, count), fields: ['label'] }).pipe(map((v) => ({ label: v.label })))
        : action === 'set_max_addresses'
          ? this.fields({ title: t.confirmTitle(name, count), fields: ['maxAddresses'], liveCap }).pipe(
              map((v) => ({ maxAddresses: v.maxAddresses })),
            )
          : of({});
    return params.pipe(
      switchMap((p) =>
        confirmAction(this.dialog, {
          title: t.confirmTitle(name, count),
          message: t.confirmBody(name, count),
          confirm: name,
        }).pipe(
          filter(Boolean),
          map(() => p),
        ),
      ),
    );
  }

  private fields(data: BindingFieldsData): Observable<BindingFieldsValue> {
    return this.dialog
      .open<BindingFieldsDialog, BindingFieldsData, BindingFieldsValue>(BindingFieldsDialog, {
        data,
        maxWidth: '95vw',
        autoFocus: 'first-tabbable',
      })
      .afterClosed()
      .pipe(filter((v): v is BindingFieldsValue => v !== undefined));
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
