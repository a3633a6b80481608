import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormArray, FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { ErrorStateMatcher, ShowOnDirtyErrorStateMatcher } from '@angular/material/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatRadioModule } from '@angular/material/radio';
import { BindingsApi } from '@sentinel/admin-client';
import {
  RULE_KIND_DEFINITIONS,
  RULE_KINDS,
  type BindingOperationResponse,
  type BindingSummary,
  type RuleKind,
} from '@sentinel/admin-contract';
import { map, startWith } from 'rxjs';

import { errorMessage } from '../../core/errors/admin-error';
import { I18nService } from '../../core/i18n/i18n.service';
import { Icon } from '../../shared/icon/icon';
import { ruleEntriesValidator, ruleEntryNotice, ruleEntryValidator } from './rule-validators';

/** `10.0.0.1, 10.0.0.2\n192.0.2.0/24` → three entries. */
export function splitEntryList(text: string): string[] {
  return text.split(/[\s,;]+/).filter((p) => p !== '');
}

export interface RuleDialogData {
  readonly binding: BindingSummary;
}

/** Edits a binding's rule; saves it itself and closes with the API's answer. */
@Component({
  selector: 'app-rule-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    Icon,
    MatButtonModule,
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
  private readonly ref = inject<MatDialogRef<RuleDialog, BindingOperationResponse>>(MatDialogRef);
  protected readonly data = inject<RuleDialogData>(MAT_DIALOG_DATA);
  protected readonly t = inject(I18nService).messages;
  protected readonly kinds = RULE_KINDS;

  private readonly kindControl = new FormControl<RuleKind>(this.data.binding.ruleKind, { nonNullable: true });

  readonly form = new FormGroup({
    kind: this.kindControl,
    entries: new FormArray<FormControl<string>>(
      // A rule without entries (All) starts from the address the key was last seen at, so switching
      // All → Single offers that entry instead of an empty field.
      (this.data.binding.ruleEntries.length > 0
        ? this.data.binding.ruleEntries
        : [this.data.binding.lastIp ?? this.data.binding.firstIp ?? '']
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
    this.form.statusChanges.pipe(
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
    this.api.setRule(this.data.binding.id, this.form.controls.kind.value, this.entriesToSave()).subscribe({
      next: (result) => this.ref.close(result),
      error: (error: unknown) => {
        this.saving.set(false);
        this.serverError.set(errorMessage(error, this.t()));
      },
    });
  }

  private entryControl(value: string): FormControl<string> {
    return new FormControl(value, {
      nonNullable: true,
      validators: [ruleEntryValidator],
    });
  }
}
