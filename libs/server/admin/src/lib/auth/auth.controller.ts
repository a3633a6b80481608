import { Body, Get, HttpCode, Post, Put, Req, Res } from '@nestjs/common';
import {
  ADMIN_API_PREFIX,
  ADMIN_PATHS,
  REFRESH_COOKIE,
  type LoginResponse,
  type MeResponse,
  type SignOutResponse,
} from '@sentinel/admin-contract';
import type { Response } from 'express';
import { AccountsRepository } from '../accounts/accounts.repository';
import { ChangePasswordDto } from '../accounts/accounts.dto';
import { AccountsService } from '../accounts/accounts.service';
import { AuditService } from '../audit/audit.service';
import { AdminController } from '../common/admin-controller.decorator';
import { RequestContext, type AdminRequest } from '../common/request-context';
import { AdminAuthService } from './admin-auth.service';
import { LoginDto } from './auth.dto';
import { RequireRole, SessionOnly } from './require-role.decorator';
import { SESSION_TTL_SECONDS, SessionService, type IssuedSession } from './session.service';

const COOKIE_PATH = `${ADMIN_API_PREFIX}/`;

/** The refresh cookie: HttpOnly (no script reads it), Secure, SameSite=Strict, the admin API only. */
export function setRefreshCookie(res: Response, value: string | null, others: string[] = []): void {
  const attributes = `Path=${COOKIE_PATH}; HttpOnly; Secure; SameSite=Strict`;
  const cookie =
    value === null
      ? `${REFRESH_COOKIE}=; ${attributes}; Max-Age=0`
      : `${REFRESH_COOKIE}=${value}; ${attributes}; Max-Age=${SESSION_TTL_SECONDS}`;
  res.setHeader('Set-Cookie', others.length ? [cookie, ...others] : cookie);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

@AdminController({ public: true })
export class AuthController {
  constructor(
    private readonly auth: AdminAuthService,
    private readonly ctx: RequestContext,
  ) {}

  @Post(ADMIN_PATHS.login)
  @HttpCode(200)
  async login(
    @Body() body: LoginDto,
    @Req() req: AdminRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponse> {
    return this.send(res, await this.auth.login(body.password, body.username, this.ctx.clientIp(req)));
  }

  /** Reads the refresh cookie; answers a new access token and sets the rotated cookie. */
  @Post(ADMIN_PATHS.refresh)
  @HttpCode(200)
  async refresh(@Req() req: AdminRequest, @Res({ passthrough: true }) res: Response): Promise<LoginResponse> {
    try {
      return this.send(
        res,
        await this.auth.refresh(readCookie(req.headers.cookie, REFRESH_COOKIE), this.ctx.clientIp(req)),
      );
    } catch (e) {
      setRefreshCookie(res, null);
      throw e;
    }
  }

  private send(res: Response, issued: IssuedSession): LoginResponse {
    setRefreshCookie(res, issued.refresh);
    return issued.response;
  }
}

/** The signed-in user's own session and password. */
@AdminController()
export class SessionController {
  constructor(
    private readonly sessions: SessionService,
    private readonly accounts: AccountsService,
    private readonly repo: AccountsRepository,
    private readonly audit: AuditService,
    private readonly ctx: RequestContext,
  ) {}

  @Get(ADMIN_PATHS.me)
  @RequireRole('viewer')
  async me(@Req() req: AdminRequest): Promise<MeResponse> {
    const p = this.ctx.principal(req);
    const account = await this.repo.get(p.username);
    return {
      username: p.username,
      role: p.role,
      displayName: account?.displayName ?? null,
      via: p.via,
      tokenName: p.tokenName ?? null,
    };
  }

  /** Sign out: revokes this session (an API token has none: 0). */
  @Post(ADMIN_PATHS.logout)
  @HttpCode(200)
  @RequireRole('viewer')
  async logout(@Req() req: AdminRequest, @Res({ passthrough: true }) res: Response): Promise<SignOutResponse> {
    const p = this.ctx.principal(req);
    const revoked = p.sessionId ? await this.sessions.revoke([p.sessionId], 'sign_out') : 0;
    setRefreshCookie(res, null);
    await this.record(req, { everywhere: false, sessionsRevoked: revoked });
    return { revoked };
  }

  /** Sign out everywhere: revokes every session of the account. */
  @Post(ADMIN_PATHS.logoutAll)
  @HttpCode(200)
  @RequireRole('viewer')
  async logoutAll(@Req() req: AdminRequest, @Res({ passthrough: true }) res: Response): Promise<SignOutResponse> {
    const p = this.ctx.principal(req);
    const revoked = await this.sessions.revokeAccount(p.username, 'sign_out_everywhere');
    setRefreshCookie(res, null);
    await this.record(req, { everywhere: true, sessionsRevoked: revoked });
    return { revoked };
  }

  @Put(ADMIN_PATHS.mePassword)
  @RequireRole('viewer')
  @SessionOnly()
  changePassword(@Body() body: ChangePasswordDto, @Req() req: AdminRequest): Promise<SignOutResponse> {
    return this.accounts.changeOwn(body, { principal: this.ctx.principal(req), ip: this.ctx.clientIp(req) });
  }

  private record(req: AdminRequest, after: Record<string, unknown>): Promise<void> {
    const p = this.ctx.principal(req);
    return this.audit.record({
      actor: p.actor,
      action: 'auth.logout',
      targetType: 'account',
      targetId: p.username,
      after,
      ip: this.ctx.clientIp(req),
    });
  }
}
