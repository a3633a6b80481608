import {
  BINDING_SORT_FIELDS,
  BINDING_STATUSES,
  MAX_PAGE_SIZE,
  MAX_RULE_ENTRIES,
  RULE_KINDS,
  SORT_ORDERS,
  BULK_ACTIONS,
  MAX_ADDRESSES_BOUNDS,
  MAX_BULK_BINDINGS,
  MAX_NOTE_LENGTH,
  MAX_LABEL_LENGTH,
  MAX_PREBIND_KEYS,
  type BindingBulkRequest,
  type BindingFilter,
  type BindingListQuery,
  type BulkAction,
  type SetLabelRequest,
  type BindingLookupRequest,
  type PrebindRequest,
  type BindingRef,
  type BindingSortField,
  type BindingStatus,
  type RuleKind,
  type SetRuleRequest,
  type SortOrder,
} from '@sentinel/admin-contract';
import { Type } from 'class-transformer';
import { ValidateNested } from 'class-validator';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { BINDING_REF, BINDING_REF_MESSAGE, IsIpAddress, IsRuleEntries } from '../common/validators';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mixin constructor signature TypeScript requires
type Constructor<T = object> = new (...args: any[]) => T;

/** Page number and size, declared once and mixed into every paged query. */
export function Paged<B extends Constructor>(Base: B) {
  class PagedQuery extends Base {
    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(1_000_000)
    page?: number;

    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(MAX_PAGE_SIZE)
    pageSize?: number;
  }
  return PagedQuery;
}

/** Page by keyset too: a `nextCursor` from a previous response (opaque base64url). */
export function CursorPaged<B extends Constructor>(Base: B) {
  class CursorPagedQuery extends Paged(Base) {
    @IsOptional()
    @IsString()
    @MaxLength(400)
    @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a nextCursor value from a previous page' })
    cursor?: string;
  }
  return CursorPagedQuery;
}

export class PageQueryDto extends Paged(class {}) {}

export class CursorPageQueryDto extends CursorPaged(class {}) {}

/** The list's filters, as the bulk call's selection. */
export class BindingFilterDto implements BindingFilter {
  @IsOptional()
  @IsString()
  @MaxLength(80)
  token?: string;

  @IsOptional()
  @IsIpAddress()
  ip?: string;

  @IsOptional()
  @IsIn(RULE_KINDS)
  ruleKind?: RuleKind;

  @IsOptional()
  @IsIn(BINDING_STATUSES)
  status?: BindingStatus;

  @IsOptional()
  @IsISO8601({ strict: true })
  lastUsedFrom?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  lastUsedTo?: string;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_LABEL_LENGTH)
  label?: string;
}

/** The bindings page: the list's filters, paged, sorted. */
export class BindingListQueryDto extends CursorPaged(BindingFilterDto) implements BindingListQuery {
  @IsOptional()
  @IsIn(BINDING_SORT_FIELDS)
  sort?: BindingSortField;

  @IsOptional()
  @IsIn(SORT_ORDERS)
  order?: SortOrder;
}

export class BindingRefDto implements BindingRef {
  @IsString()
  @Matches(BINDING_REF, { message: BINDING_REF_MESSAGE })
  id!: string;
}

export class SetRuleDto extends BindingRefDto implements SetRuleRequest {
  @IsIn(RULE_KINDS)
  ruleKind!: RuleKind;

  @IsArray()
  @ArrayMaxSize(MAX_RULE_ENTRIES)
  @IsRuleEntries()
  entries!: string[];
}

/** Longest raw key accepted in a body (the proxy refuses keys over 128 characters after `sk-`). */
const MAX_RAW_KEY_LENGTH = 200;

export class PrebindDto implements PrebindRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PREBIND_KEYS)
  @IsString({ each: true, message: 'every key must be a string' })
  @MaxLength(MAX_RAW_KEY_LENGTH, { each: true, message: `every key must be at most ${MAX_RAW_KEY_LENGTH} characters` })
  keys!: string[];

  @IsIn(RULE_KINDS)
  ruleKind!: RuleKind;

  @IsArray()
  @ArrayMaxSize(MAX_RULE_ENTRIES)
  @IsRuleEntries()
  entries!: string[];

  @IsOptional()
  @IsString()
  @MaxLength(MAX_LABEL_LENGTH)
  label?: string;

  @IsOptional()
  @IsInt()
  @Min(MAX_ADDRESSES_BOUNDS.min)
  @Max(MAX_ADDRESSES_BOUNDS.max)
  maxAddresses?: number;

  @IsOptional()
  @IsBoolean()
  replace?: boolean;
}

export class BindingLookupDto implements BindingLookupRequest {
  @IsString({ message: 'key must be a string' })
  @MaxLength(MAX_RAW_KEY_LENGTH, { message: `key must be at most ${MAX_RAW_KEY_LENGTH} characters` })
  key!: string;
}

export class SetLabelDto extends BindingRefDto implements SetLabelRequest {
  @IsOptional()
  @IsString()
  @MaxLength(MAX_LABEL_LENGTH)
  label?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_NOTE_LENGTH)
  note?: string | null;
}

export class BindingBulkDto implements BindingBulkRequest {
  @IsIn(BULK_ACTIONS)
  action!: BulkAction;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_BULK_BINDINGS)
  @Matches(BINDING_REF, { each: true, message: BINDING_REF_MESSAGE })
  ids?: string[];

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BindingFilterDto)
  filter?: BindingFilterDto;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_LABEL_LENGTH)
  label?: string | null;

  @IsOptional()
  @IsInt()
  @Min(MAX_ADDRESSES_BOUNDS.min)
  @Max(MAX_ADDRESSES_BOUNDS.max)
  maxAddresses?: number | null;
}
