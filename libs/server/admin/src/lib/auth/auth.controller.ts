import { Body, HttpCode, Post, Req } from '@nestjs/common';
import { ADMIN_PATHS, type LoginResponse } from '@sentinel/admin-contract';
import { AdminController } from '../common/admin-controller.decorator';
import { RequestContext, type AdminRequest } from '../common/request-context';
import { AdminAuthService } from './admin-auth.service';
import { LoginDto } from './auth.dto';

@AdminController({ public: true })
export class AuthController {
  constructor(
    private readonly auth: AdminAuthService,
    private readonly ctx: RequestContext,
  ) {}

  @Post(ADMIN_PATHS.login)
  @HttpCode(200)
  login(@Body() body: LoginDto, @Req() req: AdminRequest): Promise<LoginResponse> {
    return this.auth.login(body.password, body.username, this.ctx.clientIp(req));
  }
}
