import { Body, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import {
  ADMIN_PATHS,
  type BindingDetailResponse,
  type BindingListResponse,
  type BindingOperationResponse,
  type BindingBulkResponse,
  type PrebindResponse,
} from '@sentinel/admin-contract';
import { RequireRole } from '../auth/require-role.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { RequestContext, type AdminRequest } from '../common/request-context';
import { AdminBindingsService, type Who } from './admin-bindings.service';
import {
  BindingBulkDto,
  BindingListQueryDto,
  BindingLookupDto,
  BindingRefDto,
  PrebindDto,
  SetLabelDto,
  SetRuleDto,
} from './bindings.dto';

@AdminController()
export class BindingsController {
  constructor(
    private readonly service: AdminBindingsService,
    private readonly ctx: RequestContext,
  ) {}

  @Get(ADMIN_PATHS.bindings)
  @RequireRole('viewer')
  list(@Query() query: BindingListQueryDto): Promise<BindingListResponse> {
    return this.service.list(query);
  }

  /** Pre-bind keys before their first use (raw keys in the body only; stored as token ids). */
  @Post(ADMIN_PATHS.bindings)
  @RequireRole('operator')
  @HttpCode(200)
  prebind(@Body() body: PrebindDto, @Req() req: AdminRequest): Promise<PrebindResponse> {
    return this.service.prebind(body, this.who(req));
  }

  /** Find by raw key: a POST, so the key is in neither the URL nor an access log. */
  @Post(ADMIN_PATHS.bindingLookup)
  @RequireRole('operator')
  @HttpCode(200)
  lookup(@Body() body: BindingLookupDto, @Req() req: AdminRequest): Promise<BindingDetailResponse> {
    return this.service.lookup(body.key, this.who(req));
  }

  /** One action on many bindings, selected by ids or by the list's filter. */
  @Post(ADMIN_PATHS.bindingsBulk)
  @RequireRole('operator')
  @HttpCode(200)
  bulk(@Body() body: BindingBulkDto, @Req() req: AdminRequest): Promise<BindingBulkResponse> {
    return this.service.bulk(body, this.who(req));
  }

  @Put(ADMIN_PATHS.setLabel)
  @RequireRole('operator')
  setLabel(@Body() body: SetLabelDto, @Req() req: AdminRequest): Promise<BindingOperationResponse> {
    return this.service.setLabel(body.id, body.label ?? null, body.note, this.who(req));
  }

  @Post(ADMIN_PATHS.unbind)
  @RequireRole('operator')
  @HttpCode(200)
  unbind(@Body() body: BindingRefDto, @Req() req: AdminRequest): Promise<BindingOperationResponse> {
    return this.service.unbind(body.id, this.who(req));
  }

  @Put(ADMIN_PATHS.setRule)
  @RequireRole('operator')
  setRule(@Body() body: SetRuleDto, @Req() req: AdminRequest): Promise<BindingOperationResponse> {
    return this.service.setRule(body.id, body.ruleKind, body.entries, this.who(req));
  }

  @Post(ADMIN_PATHS.ban)
  @RequireRole('operator')
  @HttpCode(200)
  ban(@Body() body: BindingRefDto, @Req() req: AdminRequest): Promise<BindingOperationResponse> {
    return this.service.ban(body.id, this.who(req));
  }

  @Post(ADMIN_PATHS.unban)
  @RequireRole('operator')
  @HttpCode(200)
  unban(@Body() body: BindingRefDto, @Req() req: AdminRequest): Promise<BindingOperationResponse> {
    return this.service.unban(body.id, this.who(req));
  }

  /** Declared after the fixed paths: `bindings/:id` must not shadow them. */
  @Get(ADMIN_PATHS.bindingDetail)
  @RequireRole('viewer')
  detail(@Param() params: BindingRefDto): Promise<BindingDetailResponse> {
    return this.service.detail(params.id);
  }

  private who(req: AdminRequest): Who {
    return { actor: this.ctx.actor(req), ip: this.ctx.clientIp(req) };
  }
}
