import {
  ADMIN_ROLES,
  API_TOKEN_MAX_DAYS,
  DISPLAY_NAME_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  type AccountParams,
  type AdminRole,
  type ApiTokenParams,
  type ChangePasswordRequest,
  type CreateAccountRequest,
  type CreateApiTokenRequest,
  type UpdateAccountRequest,
} from '@sentinel/admin-contract';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** Usernames are case-folded, so any case is accepted here. */
const USERNAME_ANY_CASE = /^[A-Za-z0-9._-]{1,64}$/;

export class CreateAccountDto implements CreateAccountRequest {
  @Matches(USERNAME_ANY_CASE)
  username!: string;

  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;

  @IsIn(ADMIN_ROLES)
  role!: AdminRole;

  @IsOptional()
  @IsString()
  @MaxLength(DISPLAY_NAME_MAX_LENGTH)
  displayName?: string;
}

export class UpdateAccountDto implements UpdateAccountRequest {
  @IsOptional()
  @IsIn(ADMIN_ROLES)
  role?: AdminRole;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(DISPLAY_NAME_MAX_LENGTH)
  displayName?: string;

  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password?: string;
}

export class AccountParamsDto implements AccountParams {
  @Matches(USERNAME_ANY_CASE)
  username!: string;
}

export class ChangePasswordDto implements ChangePasswordRequest {
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword!: string;

  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  newPassword!: string;
}

export class CreateApiTokenDto implements CreateApiTokenRequest {
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/)
  name!: string;

  @IsIn(ADMIN_ROLES)
  role!: AdminRole;

  @IsInt()
  @Min(1)
  @Max(API_TOKEN_MAX_DAYS)
  expiresInDays!: number;
}

export class ApiTokenParamsDto implements ApiTokenParams {
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  id!: string;
}
