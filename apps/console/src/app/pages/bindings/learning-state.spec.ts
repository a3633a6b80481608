import { hostAddress, learningState, learntAddresses } from './learning-state';

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

describe('learntAddresses', () => {
  it('shows one-address ranges as addresses and marks the first use', () => {
    expect(
      learntAddresses({ ruleEntries: ['192.0.2.7/32', '2001:db8::1/128', '192.0.2.9'], firstIp: '2001:db8::1' }),
    ).toEqual([
      { ip: '192.0.2.7', first: false },
      { ip: '2001:db8::1', first: true },
      { ip: '192.0.2.9', first: false },
    ]);
  });

  it('keeps a real range as it is, and marks nothing when the first use is unknown', () => {
    expect(hostAddress('10.0.0.0/8')).toBe('10.0.0.0/8');
    expect(hostAddress('2001:db8::/32')).toBe('2001:db8::/32');
    expect(learntAddresses({ ruleEntries: ['10.0.0.1/32'], firstIp: null })).toEqual([
      { ip: '10.0.0.1', first: false },
    ]);
  });
});
