import { Get, HttpCode, Query, Req, Res } from '@nestjs/common';
import {
  ADMIN_API_PREFIX,
  ADMIN_PATHS,
  type OidcCallbackQuery,
  type OidcConfigResponse,
} from '@sentinel/admin-contract';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { AdminController } from '../common/admin-controller.decorator';
import { RequestContext, type AdminRequest } from '../common/request-context';
import { readCookie, setRefreshCookie } from './auth.controller';
import { OidcService } from './oidc.service';

const FLOW_COOKIE = 'sentinel_oidc';
/** The provider sends the browser back with a top-level cross-site GET: Lax, not Strict. */
const FLOW_ATTRIBUTES = `Path=${ADMIN_API_PREFIX}/oidc/; HttpOnly; Secure; SameSite=Lax`;
const CONSOLE_LOGIN = '/admin/ui/login';

export class OidcCallbackDto implements OidcCallbackQuery {
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  code?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  state?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  iss?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  error?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  error_description?: string;
}

/** Single sign-on (OpenID Connect): public routes, the browser goes through them by redirect. */
@AdminController({ public: true })
export class OidcController {
  constructor(
    private readonly oidc: OidcService,
    private readonly ctx: RequestContext,
  ) {}

  @Get(ADMIN_PATHS.oidc)
  config(): OidcConfigResponse {
    return { enabled: this.oidc.enabled, name: this.oidc.name };
  }

  @Get(ADMIN_PATHS.oidcStart)
  @HttpCode(302)
  async start(@Res() res: Response): Promise<void> {
    if (!this.oidc.enabled) {
      res.redirect(302, `${CONSOLE_LOGIN}?sso=off`);
      return;
    }
    const { url, state } = await this.oidc.start();
    res.setHeader('Set-Cookie', `${FLOW_COOKIE}=${state}; ${FLOW_ATTRIBUTES}; Max-Age=600`);
    res.redirect(302, url);
  }

  @Get(ADMIN_PATHS.oidcCallback)
  @HttpCode(302)
  async callback(@Query() query: OidcCallbackDto, @Req() req: AdminRequest, @Res() res: Response): Promise<void> {
    if (!this.oidc.enabled) {
      res.redirect(302, `${CONSOLE_LOGIN}?sso=off`);
      return;
    }
    const outcome = await this.oidc.callback(
      query,
      readCookie(req.headers.cookie, FLOW_COOKIE),
      this.ctx.clientIp(req),
    );
    const clear = `${FLOW_COOKIE}=; ${FLOW_ATTRIBUTES}; Max-Age=0`;
    if (!outcome.ok) {
      res.setHeader('Set-Cookie', clear);
      res.redirect(302, `${CONSOLE_LOGIN}?sso=denied`);
      return;
    }
    setRefreshCookie(res, outcome.session.refresh, [clear]);
    res.redirect(302, `${CONSOLE_LOGIN}?sso=ok`);
  }
}
