import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { FormControl } from '@angular/forms';
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import { MAX_RULE_ENTRIES, type BindingSummary, type RuleKind } from '@sentinel/admin-contract';

import { RuleDialog, splitEntryList } from './rule-dialog';
import { ruleEntriesValidator, ruleEntryNotice, ruleEntryValidator } from './rule-validators';

describe('rule validators', () => {
  const check = (value: string) => ruleEntryValidator(new FormControl(value));

  it.each(['10.0.0.1', '10.0.0.0/8', '2001:db8::/32', '::1', ' 192.0.2.7 '])('accepts %p', (value) =>
    expect(check(value)).toBeNull(),
  );

  it.each(['10.0.0.300', '10.0.0.0/33', 'example.com', '1.2.3', '2001:db8::/129'])(
    'rejects %p with a reason',
    (value) => {
      const errors = check(value);
      expect(errors?.['ruleEntry']?.reason).toEqual(expect.any(String));
      expect(errors?.['ruleEntry']?.reason.length).toBeGreaterThan(0);
    },
  );

  it('requires a value', () => {
    expect(check('  ')).toEqual({ required: true });
  });

  it('tells how an entry is normalised', () => {
    expect(ruleEntryNotice('10.0.0.5/8')).toContain('10.0.0.0/8');
    expect(ruleEntryNotice('10.0.0.0/8')).toBeNull();
    expect(ruleEntryNotice('nope')).toBeNull();
  });

  it('checks the list against the rule kind', () => {
    let kind: RuleKind = 'single';
    const list = (entries: string[]) => ruleEntriesValidator(() => kind)(new FormControl(entries));
    expect(list(['10.0.0.1'])).toBeNull();
    expect(list(['10.0.0.1', '10.0.0.2'])).toEqual({ exactly: { count: 1 } });
    kind = 'multiple';
    expect(list(['10.0.0.1', '10.0.0.2'])).toBeNull();
    expect(list([])).toEqual({ required: true });
    expect(list(['10.0.0.5/8', '10.0.0.0/8'])).toEqual({ duplicate: true });
    expect(list(Array.from({ length: MAX_RULE_ENTRIES + 1 }, (_, i) => `10.0.${i >> 8}.${i & 255}`))).toEqual({
      tooMany: { max: MAX_RULE_ENTRIES },
    });
    kind = 'all';
    expect(list([])).toBeNull();
  });
});

describe('RuleDialog', () => {
  const binding: BindingSummary = {
    id: '7',
    tokenId: 'f'.repeat(64),
    tokenMask: 'sk-ab12…',
    ruleKind: 'single',
    ruleEntries: ['10.0.0.1'],
    status: 'active',
    firstIp: '10.0.0.1',
    firstUsedAt: '2026-01-01T00:00:00Z',
    learning: false,
    maxAddresses: null,
    label: null,
    lastIp: null,
    lastUsedAt: null,
    note: null,
    interceptCount: 0,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };
  let close: jest.Mock;

  beforeEach(() => {
    jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
    localStorage.clear();
    close = jest.fn();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: MAT_DIALOG_DATA, useValue: { binding } },
        { provide: MatDialogRef, useValue: { close } },
      ],
    });
  });

  afterEach(() => jest.restoreAllMocks());

  async function render() {
    const fixture = TestBed.createComponent(RuleDialog);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const type = async (index: number, value: string) => {
      const input = el.querySelector<HTMLInputElement>(`[data-testid="rule-entry-${index}"]`);
      if (!input) throw new Error(`no entry ${index}`);
      input.value = value;
      // No blur: the error must show while the field still has focus.
      input.dispatchEvent(new Event('input'));
      await fixture.whenStable();
    };
    return { fixture, el, type };
  }

  it('shows the invalid reason as the admin types', async () => {
    const { el, type } = await render();
    await type(0, '10.0.0.300');
    expect(el.querySelector('mat-error')?.textContent).toMatch(/^\s*Invalid: /);
    await type(0, '10.0.0.0/8');
    expect(el.querySelector('mat-error')).toBeNull();
  });

  it('explains the selected rule kind', async () => {
    const { el, fixture } = await render();
    expect(el.querySelector('[data-testid="rule-help"]')?.textContent).toContain('Single:');
    fixture.componentInstance.form.controls.kind.setValue('all');
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="rule-help"]')?.textContent).toContain('All:');
    expect(el.querySelector('[data-testid="rule-entry-0"]')).toBeNull();
  });

  it('saves a valid rule and closes with the answer', async () => {
    const { el, type, fixture } = await render();
    fixture.componentInstance.form.controls.kind.setValue('multiple');
    await fixture.whenStable();
    el.querySelector<HTMLButtonElement>('[data-testid="rule-add"]')?.click();
    await fixture.whenStable();
    await type(1, ' 192.0.2.0/24 ');
    el.querySelector<HTMLButtonElement>('[data-testid="rule-save"]')?.click();

    const req = TestBed.inject(HttpTestingController).expectOne('/admin/api/bindings/ip');
    expect(req.request.body).toEqual({
      id: '7',
      ruleKind: 'multiple',
      entries: ['10.0.0.1', '192.0.2.0/24'],
    });
    req.flush({ id: '7', propagated: 'all-instances' });
    expect(close).toHaveBeenCalledWith({ id: '7', propagated: 'all-instances' });
  });

  it('does not save an invalid list and shows the server error otherwise', async () => {
    const { el, type, fixture } = await render();
    await type(0, 'bad');
    el.querySelector<HTMLButtonElement>('[data-testid="rule-save"]')?.click();
    TestBed.inject(HttpTestingController).expectNone('/admin/api/bindings/ip');

    await type(0, '10.0.0.2');
    el.querySelector<HTMLButtonElement>('[data-testid="rule-save"]')?.click();
    TestBed.inject(HttpTestingController)
      .expectOne('/admin/api/bindings/ip')
      .flush(
        { error: { code: 'conflict', message: 'Binding changed meanwhile.' } },
        { status: 409, statusText: 'Conflict' },
      );
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="rule-server-error"]')?.textContent).toContain('Binding changed meanwhile.');
    expect(close).not.toHaveBeenCalled();
  });

  it('disables Save while an entry is invalid', async () => {
    const { el, type } = await render();
    const save = () => el.querySelector<HTMLButtonElement>('[data-testid="rule-save"]');
    expect(save()?.disabled).toBe(false);
    await type(0, '10.0.0.300');
    expect(save()?.disabled).toBe(true);
    await type(0, '10.0.0.3');
    expect(save()?.disabled).toBe(false);
  });

  it('turns a pasted comma, space or newline list into one entry per address', async () => {
    const { el, fixture } = await render();
    fixture.componentInstance.form.controls.kind.setValue('multiple');
    await fixture.whenStable();
    const input = el.querySelector<HTMLInputElement>('[data-testid="rule-entry-0"]');
    const paste = new Event('paste', { cancelable: true }) as Event & { clipboardData: unknown };
    paste.clipboardData = { getData: () => '10.0.0.1, 10.0.0.2 192.0.2.0/24\n2001:db8::/32' };
    input?.dispatchEvent(paste);
    await fixture.whenStable();
    expect(paste.defaultPrevented).toBe(true);
    expect(fixture.componentInstance.entriesToSave()).toEqual([
      '10.0.0.1',
      '10.0.0.2',
      '192.0.2.0/24',
      '2001:db8::/32',
    ]);
    expect(splitEntryList('a,b;c\n d')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('All → Single keeps the entry: the last address the key was seen at', async () => {
    TestBed.overrideProvider(MAT_DIALOG_DATA, {
      useValue: { binding: { ...binding, ruleKind: 'all', ruleEntries: [], lastIp: '10.0.0.9' } },
    });
    const { el, fixture } = await render();
    expect(el.querySelector('[data-testid="rule-entry-0"]')).toBeNull();
    fixture.componentInstance.form.controls.kind.setValue('single');
    await fixture.whenStable();
    expect(el.querySelector<HTMLInputElement>('[data-testid="rule-entry-0"]')?.value).toBe('10.0.0.9');
    expect(fixture.componentInstance.entriesToSave()).toEqual(['10.0.0.9']);
  });
});
