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
import { CursorPaged, PageQueryDto } from '../bindings/bindings.dto';
import { IsIpOrCidr } from '../common/validators';

/** The log filters; the export takes them alone, the log page with paging (LogQueryDto). */
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

/** The log page: the export's filters, paged. */
export class LogQueryDto extends CursorPaged(LogExportQueryDto) implements LogQuery {}

export class AuditQueryDto extends PageQueryDto implements AuditQuery {
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @IsOptional()
  @IsString()
  @MaxLength(140)
  actor?: string;

  @IsOptional()
  @IsIn(['auth', 'changes'])
  kind?: 'auth' | 'changes';

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
