import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  afterNextRender,
  computed,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { FormControl, FormGroup, FormGroupDirective, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router } from '@angular/router';
import { AuthApi } from '@sentinel/admin-client';

import { safeReturnUrl } from '../../core/auth/return-url';
import { adminError, errorMessage } from '../../core/errors/admin-error';
import { I18nService } from '../../core/i18n/i18n.service';
import { ToastService } from '../../shared/toast/toast.service';

export type LoginFailure =
  | { readonly kind: 'wrong' }
  | {
      readonly kind: 'locked';
      readonly retryAt: Date | null;
      /** This attempt was a wrong password, and it locked the account. */
      readonly afterWrongPassword?: boolean;
    }
  | { readonly kind: 'other'; readonly message: string };

/** The sign-in form, outside the shell. Goes back to `returnUrl` (internal URLs only) after. */
@Component({
  selector: 'app-login',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    ReactiveFormsModule,
  ],
  templateUrl: './login.html',
  styleUrl: './login.scss',
})
export class Login {
  private readonly auth = inject(AuthApi);
  private readonly router = inject(Router);
  private readonly toast = inject(ToastService);
  protected readonly t = inject(I18nService).messages;

  /** Query parameter, bound by `withComponentInputBinding()`. */
  readonly returnUrl = input<string | undefined>();
  /** `ok` / `denied`: where single sign-on came back to. */
  readonly sso = input<string | undefined>();
  /** The provider's name when single sign-on is configured. */
  protected readonly ssoName = signal<string | null>(null);
  protected readonly ssoStart = inject(AuthApi).oidcStartUrl();

  protected readonly form = new FormGroup({
    username: new FormControl('', { nonNullable: true }),
    password: new FormControl('', {
      nonNullable: true,
      validators: [Validators.required],
    }),
  });
  protected readonly submitting = signal(false);
  protected readonly failure = signal<LoginFailure | null>(null);
  protected readonly hasReturnUrl = computed(() => safeReturnUrl(this.returnUrl(), '') !== '');
  protected readonly failureText = computed(() => {
    const failure = this.failure();
    const t = this.t();
    if (!failure) return '';
    switch (failure.kind) {
      case 'wrong':
        return t.auth.wrongPassword;
      case 'locked': {
        const prefix = failure.afterWrongPassword ? `${t.auth.wrongPassword} ` : '';
        if (!failure.retryAt) return prefix + t.auth.lockedNoTime;
        const minutes = Math.max(1, Math.ceil((failure.retryAt.getTime() - Date.now()) / 60_000));
        return prefix + t.auth.locked(failure.retryAt.toLocaleTimeString(this.timeLocale()), minutes);
      }
      case 'other':
        return failure.message;
    }
  });

  private readonly i18n = inject(I18nService);
  private readonly passwordInput = viewChild.required<ElementRef<HTMLInputElement>>('passwordInput');
  private readonly formDirective = viewChild.required(FormGroupDirective);

  constructor() {
    afterNextRender(() => {
      this.passwordInput().nativeElement.focus();
      this.auth.oidc().subscribe({ next: (c) => this.ssoName.set(c.enabled ? c.name : null), error: () => undefined });
      if (this.sso() === 'denied') this.failure.set({ kind: 'other', message: this.t().auth.ssoDenied });
      if (this.sso() === 'ok')
        this.auth.refresh().subscribe({
          next: () => void this.router.navigateByUrl('/dashboard'),
          error: (e: unknown) => this.failure.set(toFailure(e, this.t())),
        });
    });
  }

  protected submit(): void {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.submitting.set(true);
    this.failure.set(null);
    const { username, password } = this.form.getRawValue();
    this.auth.login(username.trim() ? { username: username.trim(), password } : { password }).subscribe({
      next: () => {
        this.submitting.set(false);
        this.toast.success(this.t().auth.signedIn);
        void this.router.navigateByUrl(safeReturnUrl(this.returnUrl(), '/dashboard'));
      },
      error: (error: unknown) => {
        this.submitting.set(false);
        this.failure.set(toFailure(error, this.t()));
        // A fresh, unsubmitted form: the failure message above says what happened, so the empty
        // field must not also be flagged "Enter the admin password.".
        this.formDirective().resetForm({ username: this.form.getRawValue().username, password: '' });
        this.passwordInput().nativeElement.focus();
      },
    });
  }

  private timeLocale(): string {
    return this.i18n.language();
  }
}

export function toFailure(error: unknown, t: ReturnType<I18nService['messages']>): LoginFailure {
  const body = adminError(error);
  const seconds = body?.retryAfterSeconds;
  const retryAt = typeof seconds === 'number' && seconds > 0 ? new Date(Date.now() + seconds * 1000) : null;
  if (body?.code === 'locked') return { kind: 'locked', retryAt };
  // A 401 that carries retryAfterSeconds is a wrong password that locked the account.
  if (body?.code === 'unauthorized') {
    return retryAt ? { kind: 'locked', retryAt, afterWrongPassword: true } : { kind: 'wrong' };
  }
  return { kind: 'other', message: errorMessage(error, t) };
}
