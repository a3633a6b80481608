export { parseIp, formatV4, formatV6, ipEquals, ipToBytes, type Ip } from './lib/ip';
export { parseCidr, cidrContains, prefixOf, hostCidr, type Cidr } from './lib/cidr';
export { compileRule, InvalidRuleEntryError, type IpMatcher } from './lib/matcher';
export { validateRuleEntry, type RuleEntryValidation } from './lib/validate';
