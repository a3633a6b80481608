import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { Router } from '@angular/router';
import { AccountStore, AccountsApi, AuthApi, LOGIN_PATH } from '@sentinel/admin-client';
import {
  ADMIN_ROLES,
  PASSWORD_MIN_LENGTH,
  type Account,
  type AdminRole,
  type ApiToken,
  type UpdateAccountRequest,
} from '@sentinel/admin-contract';
import type { Observable } from 'rxjs';

import { I18nService } from '../../core/i18n/i18n.service';
import { confirmAction } from '../../shared/confirm-dialog/confirm-dialog';
import { Can } from '../../shared/permissions/can.directive';
import { ToastService } from '../../shared/toast/toast.service';

/**
 * Everyone: their own password and "sign out everywhere". Admins also: the accounts (create,
 * role, enable/disable, password reset, delete) and the API tokens (create — the secret shown
 * once — and revoke).
 */
@Component({
  selector: 'app-accounts',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    Can,
    DatePipe,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    ReactiveFormsModule,
  ],
  templateUrl: './accounts.html',
  styleUrl: './accounts.scss',
})
export class Accounts {
  protected readonly t = inject(I18nService).messages;
  protected readonly me = inject(AccountStore);
  protected readonly roles = ADMIN_ROLES;
  protected readonly items = signal<Account[]>([]);
  protected readonly tokens = signal<ApiToken[]>([]);
  protected readonly secret = signal<string | null>(null);

  private readonly api = inject(AccountsApi);
  private readonly auth = inject(AuthApi);
  private readonly toast = inject(ToastService);
  private readonly dialog = inject(MatDialog);
  private readonly router = inject(Router);

  protected readonly passwordForm = new FormGroup({
    currentPassword: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    newPassword: new FormControl('', {
      nonNullable: true,
      validators: [Validators.required, Validators.minLength(PASSWORD_MIN_LENGTH)],
    }),
  });
  protected readonly createForm = new FormGroup({
    username: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    displayName: new FormControl('', { nonNullable: true }),
    password: new FormControl('', {
      nonNullable: true,
      validators: [Validators.required, Validators.minLength(PASSWORD_MIN_LENGTH)],
    }),
    role: new FormControl<AdminRole>('viewer', { nonNullable: true }),
  });
  protected readonly tokenForm = new FormGroup({
    name: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    role: new FormControl<AdminRole>('viewer', { nonNullable: true }),
    expiresInDays: new FormControl(90, {
      nonNullable: true,
      validators: [Validators.required, Validators.min(1), Validators.max(366)],
    }),
  });

  constructor() {
    if (this.me.can('admin')) this.reload();
  }

  protected reload(): void {
    this.api.list().subscribe({ next: (r) => this.items.set(r.items), error: (e: unknown) => this.toast.error(e) });
    this.api.tokens().subscribe({ next: (r) => this.tokens.set(r.items), error: (e: unknown) => this.toast.error(e) });
  }

  protected changePassword(): void {
    if (this.passwordForm.invalid) return this.passwordForm.markAllAsTouched();
    this.auth.changePassword(this.passwordForm.getRawValue()).subscribe({
      next: () => this.signedOut(this.t().accounts.passwordChanged),
      error: (e: unknown) => this.toast.error(e),
    });
  }

  protected signOutEverywhere(): void {
    this.auth.logout(true);
    this.signedOut(this.t().accounts.signedOutEverywhere);
  }

  protected create(): void {
    if (this.createForm.invalid) return this.createForm.markAllAsTouched();
    const v = this.createForm.getRawValue();
    this.api.create({ ...v, displayName: v.displayName.trim() || undefined }).subscribe({
      next: (a) => {
        this.toast.success(this.t().accounts.created(a.username));
        this.createForm.reset({ username: '', displayName: '', password: '', role: 'viewer' });
        this.reload();
      },
      error: (e: unknown) => this.toast.error(e),
    });
  }

  protected setRole(a: Account, role: AdminRole): void {
    this.update(a, { role });
  }

  protected toggle(a: Account): void {
    this.update(a, { disabled: !a.disabled });
  }

  protected resetPassword(a: Account): void {
    const password = globalThis.prompt?.(this.t().accounts.resetPasswordPrompt(a.username));
    if (password) this.update(a, { password });
  }

  protected remove(a: Account): void {
    const t = this.t().accounts;
    confirmAction(this.dialog, { title: t.delete, message: t.deleteConfirm(a.username), confirm: t.delete }).subscribe(
      (ok) => ok && this.done(this.api.delete(a.username)),
    );
  }

  protected createToken(): void {
    if (this.tokenForm.invalid) return this.tokenForm.markAllAsTouched();
    this.api.createToken(this.tokenForm.getRawValue()).subscribe({
      next: (r) => {
        this.secret.set(r.secret);
        this.tokenForm.reset({ name: '', role: 'viewer', expiresInDays: 90 });
        this.reload();
      },
      error: (e: unknown) => this.toast.error(e),
    });
  }

  protected revoke(token: ApiToken): void {
    this.done(this.api.revokeToken(token.id));
  }

  private update(a: Account, change: UpdateAccountRequest): void {
    this.done(this.api.update(a.username, change));
  }

  private done(call: Observable<unknown>): void {
    call.subscribe({
      next: () => {
        this.toast.success(this.t().accounts.saved);
        this.reload();
      },
      error: (e: unknown) => {
        this.toast.error(e);
        this.reload();
      },
    });
  }

  private signedOut(message: string): void {
    this.auth.logout();
    this.toast.success(message);
    void this.router.navigateByUrl(LOGIN_PATH);
  }
}
