import {
  BINDING_SORT_FIELDS,
  BINDING_STATUSES,
  MAX_PAGE_SIZE,
  MAX_RULE_ENTRIES,
  RULE_KINDS,
  SORT_ORDERS,
  type BindingListQuery,
  type BindingRef,
  type BindingSortField,
  type BindingStatus,
  type RuleKind,
  type SetRuleRequest,
  type SortOrder,
} from '@sentinel/admin-contract';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { BINDING_REF, BINDING_REF_MESSAGE, IsIpAddress, IsRuleEntries } from '../common/validators';

export class PageQueryDto {
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

/** Page by keyset: a `nextCursor` from a previous response (opaque base64url). */
export class CursorPageQueryDto extends PageQueryDto {
  @IsOptional()
  @IsString()
  @MaxLength(400)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a nextCursor value from a previous page' })
  cursor?: string;
}

export class BindingListQueryDto extends CursorPageQueryDto implements BindingListQuery {
  @IsOptional()
  @IsIn(BINDING_SORT_FIELDS)
  sort?: BindingSortField;

  @IsOptional()
  @IsIn(SORT_ORDERS)
  order?: SortOrder;

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
