import { Body, Delete, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import {
  ADMIN_PATHS,
  type Account,
  type AccountListResponse,
  type ApiToken,
  type ApiTokenListResponse,
  type CreateApiTokenResponse,
  type SignOutResponse,
} from '@sentinel/admin-contract';
import { ApiTokenService } from '../auth/api-token.service';
import { RequireRole } from '../auth/require-role.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { RequestContext, type AdminRequest } from '../common/request-context';
import {
  AccountParamsDto,
  ApiTokenParamsDto,
  CreateAccountDto,
  CreateApiTokenDto,
  UpdateAccountDto,
} from './accounts.dto';
import { AccountsService, type Who } from './accounts.service';

/** Accounts and API tokens (admin only). */
@AdminController()
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly tokens: ApiTokenService,
    private readonly ctx: RequestContext,
  ) {}

  @Get(ADMIN_PATHS.accounts)
  @RequireRole('admin')
  async list(): Promise<AccountListResponse> {
    return { items: await this.accounts.list() };
  }

  @Post(ADMIN_PATHS.accounts)
  @RequireRole('admin')
  create(@Body() body: CreateAccountDto, @Req() req: AdminRequest): Promise<Account> {
    return this.accounts.create(body, this.who(req));
  }

  @Put(ADMIN_PATHS.account)
  @RequireRole('admin')
  update(
    @Param() params: AccountParamsDto,
    @Body() body: UpdateAccountDto,
    @Req() req: AdminRequest,
  ): Promise<Account> {
    return this.accounts.update(params.username, body, this.who(req));
  }

  @Delete(ADMIN_PATHS.account)
  @RequireRole('admin')
  delete(@Param() params: AccountParamsDto, @Req() req: AdminRequest): Promise<SignOutResponse> {
    return this.accounts.delete(params.username, this.who(req));
  }

  @Get(ADMIN_PATHS.apiTokens)
  @RequireRole('admin')
  async listTokens(): Promise<ApiTokenListResponse> {
    return { items: await this.tokens.list() };
  }

  @Post(ADMIN_PATHS.apiTokens)
  @RequireRole('admin')
  createToken(@Body() body: CreateApiTokenDto, @Req() req: AdminRequest): Promise<CreateApiTokenResponse> {
    const who = this.who(req);
    return this.tokens.create(body, who.principal, who.ip);
  }

  @Delete(ADMIN_PATHS.apiToken)
  @HttpCode(200)
  @RequireRole('admin')
  revokeToken(@Param() params: ApiTokenParamsDto, @Req() req: AdminRequest): Promise<ApiToken> {
    const who = this.who(req);
    return this.tokens.revoke(params.id, who.principal, who.ip);
  }

  private who(req: AdminRequest): Who {
    return { principal: this.ctx.principal(req), ip: this.ctx.clientIp(req) };
  }
}
