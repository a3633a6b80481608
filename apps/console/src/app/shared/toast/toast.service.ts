import { Injectable, inject } from '@angular/core';
import { MatSnackBar } from '@angular/material/snack-bar';

import { I18nService } from '../../core/i18n/i18n.service';
import { errorMessage } from '../../core/errors/admin-error';

/** One short toast per completed action (polite live region, dismissable). */
@Injectable({ providedIn: 'root' })
export class ToastService {
  private readonly snackBar = inject(MatSnackBar);
  private readonly t = inject(I18nService).messages;

  success(message: string): void {
    this.snackBar.open(message, this.t().common.close, { duration: 4000 });
  }

  error(error: unknown): void {
    this.snackBar.open(errorMessage(error, this.t()), this.t().common.close, {
      duration: 8000,
      politeness: 'assertive',
    });
  }
}
