import type { LoginRequest } from '@sentinel/admin-contract';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class LoginDto implements LoginRequest {
  @IsString()
  @MaxLength(1024)
  password!: string;

  @IsOptional()
  @IsString()
  @MaxLength(128)
  username?: string;
}
