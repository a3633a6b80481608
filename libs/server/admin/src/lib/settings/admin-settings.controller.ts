import { Body, Delete, Get, Param, Put, Req } from '@nestjs/common';
import { ADMIN_PATHS, type SettingsResponse } from '@sentinel/admin-contract';
import { RequireRole } from '../auth/require-role.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { RequestContext, type AdminRequest } from '../common/request-context';
import { AdminSettingsService } from './admin-settings.service';
import { SettingKeyParamDto, UpdateSettingsDto } from './settings.dto';

@AdminController()
export class AdminSettingsController {
  constructor(
    private readonly service: AdminSettingsService,
    private readonly ctx: RequestContext,
  ) {}

  @Get(ADMIN_PATHS.settings)
  @RequireRole('viewer')
  get(): SettingsResponse {
    return this.service.view();
  }

  @Put(ADMIN_PATHS.settings)
  @RequireRole('admin')
  update(@Body() body: UpdateSettingsDto, @Req() req: AdminRequest): Promise<SettingsResponse> {
    return this.service.update((body.values ?? {}) as Record<string, unknown>, body.reset ?? [], {
      actor: this.ctx.actor(req),
      ip: this.ctx.clientIp(req),
    });
  }

  @Delete(ADMIN_PATHS.settingReset)
  @RequireRole('admin')
  reset(@Param() params: SettingKeyParamDto, @Req() req: AdminRequest): Promise<SettingsResponse> {
    return this.service.update({}, [params.key], { actor: this.ctx.actor(req), ip: this.ctx.clientIp(req) });
  }
}
