import {
  MAX_RULE_ENTRIES,
  RULE_KIND_DEFINITIONS,
  RULE_KINDS,
  ruleEntryCountError,
  type RuleKindDefinition,
} from './rule-kinds';

describe('rule kinds', () => {
  it('lists every defined kind once, in definition order', () => {
    expect(RULE_KINDS).toEqual(Object.keys(RULE_KIND_DEFINITIONS));
    expect(RULE_KINDS).toEqual(['single', 'multiple', 'all']);
  });

  it.each(Object.entries(RULE_KIND_DEFINITIONS) as [string, RuleKindDefinition][])(
    '%s is a coherent definition',
    (kind, def) => {
      expect(kind).toMatch(/^[a-z][a-z0-9_]*$/); // it goes into SQL literals and URLs
      expect(Number.isInteger(def.minEntries) && Number.isInteger(def.maxEntries)).toBe(true);
      expect(def.minEntries).toBeLessThanOrEqual(def.maxEntries);
      expect(def.maxEntries).toBeLessThanOrEqual(MAX_RULE_ENTRIES);
      if (def.matches === 'any') expect([def.minEntries, def.maxEntries]).toEqual([0, 0]);
      else expect(def.minEntries).toBeGreaterThanOrEqual(1); // a listed rule with no entry would refuse every IP
    },
  );

  it('names what is wrong with an entry count', () => {
    const { single, multiple, all } = RULE_KIND_DEFINITIONS;
    expect(ruleEntryCountError(single, 1)).toBeNull();
    expect(ruleEntryCountError(single, 2)).toBe('exactly');
    expect(ruleEntryCountError(multiple, 0)).toBe('too_few');
    expect(ruleEntryCountError(multiple, MAX_RULE_ENTRIES + 1)).toBe('too_many');
    expect(ruleEntryCountError(all, 0)).toBeNull();
    expect(ruleEntryCountError(all, 1)).toBe('takes_none');
  });
});
