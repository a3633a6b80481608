import {
  AUDIT_ACTIONS,
  AUDIT_TARGET_TYPES,
  INTERCEPT_REASONS,
  type AuditAction,
  type AuditQuery,
  type AuditTargetType,
  type InterceptReason,
  type LogExportQuery,
  type LogQuery,
} from '@sentinel/admin-contract';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { CursorPageQueryDto, PageQueryDto } from '../bindings/bindings.dto';
import { IsIpOrCidr } from '../common/validators';

export class LogExportQueryDto implements LogExportQuery {
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @IsOptional()
  @IsString()
  @MaxLength(80)
  token?: string;

  @IsOptional()
  @IsIpOrCidr()
  clientIp?: string;

  @IsOptional()
  @IsIn(INTERCEPT_REASONS)
  reason?: InterceptReason;
}

export class LogQueryDto extends CursorPageQueryDto implements LogQuery {
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @IsOptional()
  @IsString()
  @MaxLength(80)
  token?: string;

  @IsOptional()
  @IsIpOrCidr()
  clientIp?: string;

  @IsOptional()
  @IsIn(INTERCEPT_REASONS)
  reason?: InterceptReason;
}

export class AuditQueryDto extends PageQueryDto implements AuditQuery {
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @IsOptional()
  @IsIn(AUDIT_TARGET_TYPES)
  targetType?: AuditTargetType;

  @IsOptional()
  @IsString()
  @MaxLength(80)
  targetId?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
