import { readHiddenColumns, visibleColumns } from './column-chooser';

describe('column chooser helpers', () => {
  it('keeps the order and drops hidden columns', () => {
    expect(visibleColumns(['a', 'b', 'c'], new Set(['b']))).toEqual(['a', 'c']);
  });

  it('reads a stored list, and treats anything else as nothing hidden', () => {
    localStorage.setItem('k', JSON.stringify(['created', 3]));
    expect([...readHiddenColumns(localStorage, 'k')]).toEqual(['created']);
    localStorage.setItem('k', '{not json');
    expect(readHiddenColumns(localStorage, 'k').size).toBe(0);
    expect(readHiddenColumns(null, 'k').size).toBe(0);
    localStorage.clear();
  });
});
