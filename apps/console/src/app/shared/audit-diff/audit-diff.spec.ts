import { auditDiff, showValue } from './audit-diff';

describe('auditDiff', () => {
  it('lists only the changed fields, old → new', () => {
    expect(
      auditDiff(
        { tokenMask: 'sk-ab…', ruleKind: 'single', ruleEntries: ['10.0.0.1'], status: 'active' },
        { ruleKind: 'multiple', ruleEntries: ['10.0.0.1', '10.0.0.2'], status: 'active' },
      ),
    ).toEqual([
      { field: 'ruleKind', before: 'single', after: 'multiple' },
      { field: 'ruleEntries', before: '10.0.0.1', after: '10.0.0.1, 10.0.0.2' },
    ]);
  });

  it('a missing side shows —; plain values give one line', () => {
    expect(auditDiff(null, { status: 'banned' })).toEqual([{ field: 'status', before: '—', after: 'banned' }]);
    expect(auditDiff({ status: 'active' }, null)).toEqual([{ field: 'status', before: 'active', after: '—' }]);
    expect(auditDiff(5, 10)).toEqual([{ field: '', before: '5', after: '10' }]);
    expect(auditDiff(null, null)).toEqual([]);
    expect(showValue([])).toBe('—');
  });
});
