import { Get, Inject, Injectable, type Type } from '@nestjs/common';
import { ADMIN_PATHS, type OpenApiDocument } from '@sentinel/admin-contract';
import { RequireRole } from '../auth/require-role.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { buildAdminOpenApi } from './admin-openapi';
import { CONTRACT_SCHEMAS } from './contract-schemas.generated';

/** The admin controllers (module wiring), so the document describes exactly what is mounted. */
export const ADMIN_CONTROLLERS = Symbol('ADMIN_CONTROLLERS');
export const ADMIN_API_VERSION = '1.0.0';

@Injectable()
export class AdminOpenApiService {
  private cached: OpenApiDocument | null = null;

  constructor(@Inject(ADMIN_CONTROLLERS) private readonly controllers: readonly Type[]) {}

  /** Built once, on first use (CI checks that it builds: openapi.spec.ts). */
  document(): OpenApiDocument {
    this.cached ??= buildAdminOpenApi(this.controllers, CONTRACT_SCHEMAS, ADMIN_API_VERSION);
    return this.cached;
  }
}

@AdminController()
export class OpenApiController {
  constructor(private readonly openApi: AdminOpenApiService) {}

  @Get(ADMIN_PATHS.openapi)
  @RequireRole('viewer')
  get(): OpenApiDocument {
    return this.openApi.document();
  }
}
