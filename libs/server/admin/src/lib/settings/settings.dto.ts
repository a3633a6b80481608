import {
  SETTING_KEYS,
  type AdminSettingsValues,
  type SettingKey,
  type UpdateSettingsRequest,
} from '@sentinel/admin-contract';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional } from 'class-validator';

export class UpdateSettingsDto implements UpdateSettingsRequest {
  /** Validated key by key in SettingsSync (unknown keys and bad values → field errors). */
  @IsOptional()
  @IsObject()
  values?: Partial<AdminSettingsValues>;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SETTING_KEYS.length)
  @IsIn(SETTING_KEYS, { each: true })
  reset?: SettingKey[];
}

export class SettingKeyParamDto {
  @IsIn(SETTING_KEYS)
  key!: SettingKey;
}
