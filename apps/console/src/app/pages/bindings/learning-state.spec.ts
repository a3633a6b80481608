import { learningState } from './learning-state';

describe('learningState', () => {
  const b = (learning: boolean, maxAddresses: number | null, entries: number) => ({
    learning,
    maxAddresses,
    ruleEntries: Array.from({ length: entries }, (_, i) => `10.0.0.${i}`),
  });

  it('a learning binding counts its entries against its own cap, else the live one', () => {
    expect(learningState(b(true, null, 2), 3)).toEqual({ kind: 'learning', count: 2, cap: 3 });
    expect(learningState(b(true, 5, 2), 3)).toEqual({ kind: 'learning', count: 2, cap: 5 });
  });

  it('a learning binding at its cap is full', () => {
    expect(learningState(b(true, null, 3), 3).kind).toBe('full');
  });

  it('a binding that may hold several addresses but no longer learns is stopped', () => {
    expect(learningState(b(false, 4, 1), 1).kind).toBe('stopped');
    expect(learningState(b(false, null, 1), 3).kind).toBe('stopped');
  });

  it('a one-address binding (the default) is fixed', () => {
    expect(learningState(b(false, null, 1), 1).kind).toBe('fixed');
    expect(learningState(b(false, null, 1), null).kind).toBe('fixed');
  });
});
