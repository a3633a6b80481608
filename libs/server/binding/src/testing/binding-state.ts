import type { BindingState } from '../lib/rules/binding-rule';

/** An active single-address binding state, for cache and decider specs. */
export const bindingState = (tokenHash: string, version = 1): BindingState => ({
  id: '1',
  tokenHash,
  tokenMask: 'sk-abcd…wxyz',
  ruleKind: 'single',
  ruleEntries: ['10.0.0.1/32'],
  status: 'active',
  version,
});
