import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MAX_ADDRESSES_BOUNDS, MAX_LABEL_LENGTH, MAX_NOTE_LENGTH } from '@sentinel/admin-contract';

import { I18nService } from '../../core/i18n/i18n.service';

export type BindingField = 'label' | 'note' | 'maxAddresses';

export interface BindingFieldsData {
  readonly title: string;
  /** The fields to edit, in this order. */
  readonly fields: readonly BindingField[];
  readonly label?: string | null;
  readonly note?: string | null;
  readonly maxAddresses?: number | null;
  /** The live `bindMaxAddresses`, for the hint; null when unknown. */
  readonly liveCap?: number | null;
}

/** What the dialog closes with: empty text = null (clears); an empty cap = null (the live setting). */
export interface BindingFieldsValue {
  readonly label: string | null;
  readonly note: string | null;
  readonly maxAddresses: number | null;
}

/**
 * Edits a binding's label and note, or its address cap (one binding, or a bulk selection). It
 * only collects the values; the caller saves them.
 */
@Component({
  selector: 'app-binding-fields-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatDialogModule, MatFormFieldModule, MatInputModule, ReactiveFormsModule],
  template: `
    <h2 mat-dialog-title>{{ data.title }}</h2>
    <form [formGroup]="form" (ngSubmit)="save()" novalidate>
      <mat-dialog-content class="fields">
        @for (f of data.fields; track f) {
          @switch (f) {
            @case ('label') {
              <mat-form-field appearance="outline">
                <mat-label>{{ t().bindings.fields.label }}</mat-label>
                <input matInput formControlName="label" autocomplete="off" data-testid="field-label" />
                @if (form.controls.label.hasError('maxlength')) {
                  <mat-error>{{ t().bindings.fields.tooLong(maxLabel) }}</mat-error>
                } @else {
                  <mat-hint>{{ t().bindings.fields.labelHint(maxLabel) }}</mat-hint>
                }
              </mat-form-field>
            }
            @case ('note') {
              <mat-form-field appearance="outline">
                <mat-label>{{ t().bindings.fields.note }}</mat-label>
                <textarea matInput formControlName="note" rows="3" data-testid="field-note"></textarea>
                @if (form.controls.note.hasError('maxlength')) {
                  <mat-error>{{ t().bindings.fields.tooLong(maxNote) }}</mat-error>
                }
              </mat-form-field>
            }
            @case ('maxAddresses') {
              <mat-form-field appearance="outline">
                <mat-label>{{ t().bindings.fields.maxAddresses }}</mat-label>
                <input
                  matInput
                  type="number"
                  inputmode="numeric"
                  [min]="bounds.min"
                  [max]="bounds.max"
                  formControlName="maxAddresses"
                  data-testid="field-max-addresses"
                />
                @if (form.controls.maxAddresses.invalid) {
                  <mat-error>{{ t().bindings.fields.maxAddressesInvalid(bounds.min, bounds.max) }}</mat-error>
                } @else {
                  <mat-hint>{{ t().bindings.fields.maxAddressesHint(data.liveCap ?? null) }}</mat-hint>
                }
              </mat-form-field>
            }
          }
        }
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close>{{ t().common.cancel }}</button>
        <button mat-flat-button type="submit" data-testid="fields-save" [disabled]="form.invalid">
          {{ t().common.save }}
        </button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    .fields {
      display: flex;
      flex-direction: column;
      gap: 12px;
      min-width: min(420px, 80vw);
    }
  `,
})
export class BindingFieldsDialog {
  private readonly ref = inject<MatDialogRef<BindingFieldsDialog, BindingFieldsValue>>(MatDialogRef);
  protected readonly data = inject<BindingFieldsData>(MAT_DIALOG_DATA);
  protected readonly t = inject(I18nService).messages;
  protected readonly bounds = MAX_ADDRESSES_BOUNDS;
  protected readonly maxLabel = MAX_LABEL_LENGTH;
  protected readonly maxNote = MAX_NOTE_LENGTH;

  readonly form = new FormGroup({
    label: new FormControl(this.data.label ?? '', {
      nonNullable: true,
      validators: [Validators.maxLength(MAX_LABEL_LENGTH)],
    }),
    note: new FormControl(this.data.note ?? '', {
      nonNullable: true,
      validators: [Validators.maxLength(MAX_NOTE_LENGTH)],
    }),
    maxAddresses: new FormControl<number | null>(this.data.maxAddresses ?? null, {
      validators: [
        Validators.min(MAX_ADDRESSES_BOUNDS.min),
        Validators.max(MAX_ADDRESSES_BOUNDS.max),
        Validators.pattern(/^\d+$/),
      ],
    }),
  });

  save(): void {
    if (this.form.invalid) return;
    const v = this.form.getRawValue();
    const max = v.maxAddresses;
    this.ref.close({
      label: v.label.trim() || null,
      note: v.note.trim() || null,
      maxAddresses: max === null || (max as unknown) === '' ? null : Number(max),
    });
  }
}
