import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormArray, FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { ErrorStateMatcher, ShowOnDirtyErrorStateMatcher } from '@angular/material/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatRadioModule } from '@angular/material/radio';
import { BindingsApi } from '@sentinel/admin-client';
import { MatCheckboxModule } from '@angular/material/checkbox';
import {
  MAX_ADDRESSES_BOUNDS,
  MAX_LABEL_LENGTH,
  MAX_PREBIND_KEYS,
  RULE_KIND_DEFINITIONS,
  RULE_KINDS,
  type BindingOperationResponse,
  type BindingSummary,
  type PrebindResponse,
  type RuleKind,
} from '@sentinel/admin-contract';
import { map, merge, startWith } from 'rxjs';

import { errorMessage } from '../../core/errors/admin-error';
import { I18nService } from '../../core/i18n/i18n.service';
import { Icon } from '../../shared/icon/icon';
import { ruleEntriesValidator, ruleEntryNotice, ruleEntryValidator } from './rule-validators';

/** `10.0.0.1, 10.0.0.2\n192.0.2.0/24` → three entries. */
export function splitEntryList(text: string): string[] {
  return text.split(/[\s,;]+/).filter((p) => p !== '');
}

/** Pasted keys → one per line, blank lines and surrounding spaces dropped. */
export function splitKeys(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

export interface RuleDialogData {
  /** Edit this binding's rule; absent = pre-bind pasted keys ("Add bindings"). */
  readonly binding?: BindingSummary;
  /** Pre-binding: the live `bindMaxAddresses`, for the cap's hint. */
  readonly liveCap?: number | null;
}

/**
 * Edits a binding's rule, or — without a binding — pre-binds pasted keys with a rule, label and
 * cap (the same rule editor). Saves itself and closes with the API's answer. Pasted keys live only
 * in this form and the request body: never in a URL or browser storage, and the field is emptied
 * once the call answered.
 */
@Component({
  selector: 'app-rule-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    Icon,
    MatButtonModule,
    MatCheckboxModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatRadioModule,
    ReactiveFormsModule,
  ],
  // Entries are validated as the admin types (dirty), not only after the field loses focus.
  providers: [{ provide: ErrorStateMatcher, useClass: ShowOnDirtyErrorStateMatcher }],
  templateUrl: './rule-dialog.html',
  styleUrl: './rule-dialog.scss',
})
export class RuleDialog {
  private readonly api = inject(BindingsApi);
  private readonly ref = inject<MatDialogRef<RuleDialog, BindingOperationResponse | PrebindResponse>>(MatDialogRef);
  protected readonly data = inject<RuleDialogData>(MAT_DIALOG_DATA);
  protected readonly t = inject(I18nService).messages;
  protected readonly kinds = RULE_KINDS;
  protected readonly prebinding = this.data.binding === undefined;
  protected readonly maxKeys = MAX_PREBIND_KEYS;
  protected readonly bounds = MAX_ADDRESSES_BOUNDS;

  private readonly kindControl = new FormControl<RuleKind>(this.data.binding?.ruleKind ?? 'single', {
    nonNullable: true,
  });

  /** Pre-binding only: the pasted keys, label, cap and whether bound keys are overwritten. */
  readonly prebindForm = new FormGroup({
    keys: new FormControl('', { nonNullable: true }),
    label: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(MAX_LABEL_LENGTH)] }),
    maxAddresses: new FormControl<number | null>(null, {
      validators: [Validators.min(MAX_ADDRESSES_BOUNDS.min), Validators.max(MAX_ADDRESSES_BOUNDS.max)],
    }),
    replace: new FormControl(false, { nonNullable: true }),
  });
  protected readonly keyCount = toSignal(
    this.prebindForm.controls.keys.valueChanges.pipe(
      startWith(''),
      map((text) => splitKeys(text).length),
    ),
    { requireSync: true },
  );
  /** The answer of a pre-binding call that left keys unbound (conflicts, invalid lines). */
  protected readonly prebindResult = signal<PrebindResponse | null>(null);

  readonly form = new FormGroup({
    kind: this.kindControl,
    entries: new FormArray<FormControl<string>>(
      // A rule without entries (All) starts from the address the key was last seen at, so switching
      // All → Single offers that entry instead of an empty field.
      (this.data.binding && this.data.binding.ruleEntries.length > 0
        ? this.data.binding.ruleEntries
        : [this.data.binding?.lastIp ?? this.data.binding?.firstIp ?? '']
      ).map((entry) => this.entryControl(entry)),
      { validators: ruleEntriesValidator(() => this.kindControl.value) },
    ),
  });

  protected readonly kind = toSignal(
    this.form.controls.kind.valueChanges.pipe(startWith(this.form.controls.kind.value)),
    { requireSync: true },
  );
  /** The selected kind's definition: what the dialog shows derives from it, not from kind names. */
  protected readonly definition = computed(() => RULE_KIND_DEFINITIONS[this.kind()]);
  protected readonly takesEntries = computed(() => this.definition().matches === 'listed');
  protected readonly maxEntries = computed(() => this.definition().maxEntries);
  /** Save is disabled while an entry (or the list) is invalid. */
  protected readonly valid = toSignal(
    merge(this.form.statusChanges, this.prebindForm.statusChanges, this.prebindForm.valueChanges).pipe(
      startWith(null),
      map(() => this.isValid()),
    ),
    { requireSync: true },
  );
  protected readonly saving = signal(false);
  protected readonly serverError = signal<string | null>(null);
  protected readonly notice = ruleEntryNotice;

  constructor() {
    this.form.controls.kind.valueChanges.subscribe((kind) => {
      const def = RULE_KIND_DEFINITIONS[kind];
      const entries = this.form.controls.entries;
      if (def.matches === 'listed') {
        while (entries.length > def.maxEntries) entries.removeAt(entries.length - 1);
        while (entries.length < Math.max(def.minEntries, 1)) entries.push(this.entryControl(''));
      }
      entries.updateValueAndValidity();
    });
  }

  protected addEntry(): void {
    this.form.controls.entries.push(this.entryControl(''));
  }

  /**
   * A pasted list (commas, spaces, newlines or semicolons between addresses) becomes one entry per
   * address: the first replaces the field's text, the others follow it.
   */
  protected pasteEntries(index: number, event: ClipboardEvent): void {
    const parts = splitEntryList(event.clipboardData?.getData('text') ?? '');
    if (parts.length < 2) return;
    event.preventDefault();
    const entries = this.form.controls.entries;
    entries.at(index).setValue(parts[0]);
    entries.at(index).markAsDirty();
    parts.slice(1).forEach((p, i) => {
      const control = this.entryControl(p);
      control.markAsDirty();
      entries.insert(index + 1 + i, control);
    });
    entries.updateValueAndValidity();
  }

  protected removeEntry(index: number): void {
    this.form.controls.entries.removeAt(index);
  }

  /** The entries to send: none for a kind that matches any IP (`all`), else the trimmed list. */
  entriesToSave(): string[] {
    if (RULE_KIND_DEFINITIONS[this.form.controls.kind.value].matches === 'any') return [];
    return this.form.controls.entries.value.map((e) => e.trim());
  }

  /** True when the form may be submitted: a kind that matches any IP ignores the entry controls. */
  isValid(): boolean {
    if (this.prebinding) {
      const n = splitKeys(this.prebindForm.controls.keys.value).length;
      if (n === 0 || n > MAX_PREBIND_KEYS || this.prebindForm.invalid) return false;
    }
    if (RULE_KIND_DEFINITIONS[this.form.controls.kind.value].matches === 'any') return true;
    return this.form.controls.entries.valid;
  }

  protected save(): void {
    if (this.saving()) return;
    if (!this.isValid()) {
      this.form.markAllAsTouched();
      return;
    }
    this.saving.set(true);
    this.serverError.set(null);
    if (!this.data.binding) {
      this.prebind();
      return;
    }
    this.api.setRule(this.data.binding.id, this.form.controls.kind.value, this.entriesToSave()).subscribe({
      next: (result) => this.ref.close(result),
      error: (error: unknown) => {
        this.saving.set(false);
        this.serverError.set(errorMessage(error, this.t()));
      },
    });
  }

  private prebind(): void {
    const v = this.prebindForm.getRawValue();
    const max = v.maxAddresses === null || (v.maxAddresses as unknown) === '' ? undefined : Number(v.maxAddresses);
    this.api
      .prebind({
        keys: splitKeys(v.keys),
        ruleKind: this.form.controls.kind.value,
        entries: this.entriesToSave(),
        label: v.label.trim() || undefined,
        maxAddresses: max,
        replace: v.replace || undefined,
      })
      .subscribe({
        next: (result) => {
          // The keys are not kept past the call.
          this.prebindForm.controls.keys.setValue('');
          this.saving.set(false);
          if (result.conflicts.length === 0 && result.invalid.length === 0) this.ref.close(result);
          else this.prebindResult.set(result);
        },
        error: (error: unknown) => {
          this.saving.set(false);
          this.serverError.set(errorMessage(error, this.t()));
        },
      });
  }

  /** Closes after a pre-binding whose conflicts and invalid lines were shown. */
  protected finish(): void {
    const result = this.prebindResult();
    if (result) this.ref.close(result);
  }

  private entryControl(value: string): FormControl<string> {
    return new FormControl(value, {
      nonNullable: true,
      validators: [ruleEntryValidator],
    });
  }
}
