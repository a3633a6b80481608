import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormControl, FormRecord, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { SettingsApi } from '@sentinel/admin-client';
import type { SettingKey, SettingView, SettingsResponse } from '@sentinel/admin-contract';
import { Observable } from 'rxjs';

import { adminError, errorMessage } from '../../core/errors/admin-error';
import { I18nService } from '../../core/i18n/i18n.service';
import { Icon } from '../../shared/icon/icon';
import { ToastService } from '../../shared/toast/toast.service';
import { OperationsCard } from './operations/operations-card';
import {
  SETTING_FIELD_KINDS,
  SETTING_GROUPS,
  SETTING_GROUP_KEYS,
  SETTING_OPTIONS,
  SettingGroup,
  SettingFieldKind,
  SettingFormValue,
  buildSettingsForm,
  changedValues,
  integerBounds,
} from './settings-form';
import { Can } from '../../shared/permissions/can.directive';
import { formatDateTime } from '../../shared/format/date-time';

interface SettingRow {
  readonly key: SettingKey;
  readonly kind: SettingFieldKind;
  readonly label: string;
  readonly hint: string;
  readonly source: SettingView['source'];
  readonly sourceLabel: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  readonly bounds: { min: number; max: number } | null;
  readonly defaultText: string | null;
  readonly updatedText: string | null;
  readonly secretSet: boolean;
}

/** Every runtime setting: validation, source, reset to the environment default, save. */
@Component({
  selector: 'app-settings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    Can,
    Icon,
    OperationsCard,
    MatButtonModule,
    MatCardModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    MatSlideToggleModule,
    ReactiveFormsModule,
  ],
  templateUrl: './settings.html',
  styleUrl: './settings.scss',
})
export class Settings {
  private readonly api = inject(SettingsApi);
  private readonly toast = inject(ToastService);
  protected readonly t = inject(I18nService).messages;

  protected readonly views = signal<readonly SettingView[]>([]);
  protected readonly loading = signal(false);
  protected readonly saving = signal(false);
  protected readonly error = signal<unknown>(null);
  protected readonly saveError = signal<string | null>(null);
  form: FormRecord<FormControl<SettingFormValue>> = buildSettingsForm([]);
  protected readonly clearSecrets = signal<ReadonlySet<SettingKey>>(new Set());

  protected readonly errorText = computed(() => (this.error() ? errorMessage(this.error(), this.t()) : ''));

  protected readonly rows = computed<SettingRow[]>(() => {
    const t = this.t().settings;
    return this.views().map((view) => ({
      key: view.key,
      kind: SETTING_FIELD_KINDS[view.key],
      label: t.labels[view.key],
      hint: t.hints[view.key],
      source: view.source,
      sourceLabel: t.sources[view.source],
      options: (SETTING_OPTIONS[view.key] ?? []).map((value) => ({
        value,
        label: t.optionLabels[view.key]?.[value] ?? value,
      })),
      bounds: integerBounds(view.key),
      defaultText:
        view.secret || view.source === 'environment'
          ? null
          : t.defaultValue(display(view.defaultValue, this.t().common.none)),
      updatedText:
        view.updatedAt && view.updatedBy ? t.updated(view.updatedBy, formatDateTime(view.updatedAt, 'minute')) : null,
      secretSet: view.secret ? view.isSet : false,
    }));
  });

  /** The rows in their cards (Binding, Alerts, Security, Retention, Failsafe); empty cards are left out. */
  protected readonly groups = computed(() => {
    const t = this.t().settings;
    const byKey = new Map(this.rows().map((r) => [r.key, r]));
    return SETTING_GROUPS.map((id: SettingGroup) => ({
      id,
      title: t.groups[id],
      help: t.groupHelp[id],
      rows: SETTING_GROUP_KEYS[id].flatMap((k) => byKey.get(k) ?? []),
    })).filter((g) => g.rows.length > 0);
  });

  constructor() {
    this.load();
  }

  /** A boolean setting's state as the switch shows it (its current, unsaved value). */
  protected booleanText(key: SettingKey): string {
    return this.form.controls[key]?.value === true ? this.t().settings.enabled : this.t().settings.disabled;
  }

  protected load(): void {
    this.loading.set(true);
    this.error.set(null);
    this.api.get().subscribe({
      next: (response) => this.apply(response),
      error: (error: unknown) => {
        this.error.set(error);
        this.loading.set(false);
      },
    });
  }

  protected toggleClearSecret(key: SettingKey, clear: boolean): void {
    const next = new Set(this.clearSecrets());
    if (clear) next.add(key);
    else next.delete(key);
    this.clearSecrets.set(next);
    const control = this.form.controls[key];
    if (clear) {
      control.setValue('');
      control.disable();
    } else {
      control.enable();
    }
  }

  protected save(): void {
    if (this.saving()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const values = changedValues(this.views(), this.form.getRawValue(), this.clearSecrets());
    const count = Object.keys(values).length;
    if (count === 0) {
      this.toast.success(this.t().settings.noChanges);
      return;
    }
    this.run(this.api.update({ values }), () => this.t().settings.saved(count));
  }

  protected reset(row: SettingRow): void {
    this.run(this.api.reset(row.key), () => this.t().settings.resetDone(row.label));
  }

  protected discard(): void {
    this.apply({ settings: [...this.views()] });
  }

  private run(call: Observable<SettingsResponse>, success: () => string): void {
    this.saving.set(true);
    this.saveError.set(null);
    call.subscribe({
      next: (response) => {
        this.saving.set(false);
        this.apply(response);
        this.toast.success(success());
      },
      error: (error: unknown) => {
        this.saving.set(false);
        this.saveError.set(errorMessage(error, this.t()));
        this.showFieldErrors(error);
        this.toast.error(error);
      },
    });
  }

  /** The server's refusal of a field (`values.<key>`, e.g. a webhook URL delivery would refuse) under that field. */
  private showFieldErrors(error: unknown): void {
    for (const f of adminError(error)?.fields ?? []) {
      const key = f.field.startsWith('values.') ? f.field.slice('values.'.length) : null;
      const control = key ? this.form.controls[key] : undefined;
      if (!control) continue;
      control.setErrors({ ...(control.errors ?? {}), server: f.messages.join(' ') });
      control.markAsTouched();
    }
  }

  private apply(response: SettingsResponse): void {
    this.form = buildSettingsForm(response.settings);
    this.clearSecrets.set(new Set());
    this.views.set(response.settings);
    this.loading.set(false);
  }
}

function display(value: unknown, none: string): string {
  return value === null || value === undefined || value === '' ? none : String(value);
}
