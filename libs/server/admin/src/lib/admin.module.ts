import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '@sentinel/server-core';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { AdminAuthGuard } from './auth/admin-auth.guard';
import { AdminAuthService, JWT_AUDIENCE, JWT_ISSUER } from './auth/admin-auth.service';
import { AccountsController } from './accounts/accounts.controller';
import { AccountsRepository } from './accounts/accounts.repository';
import { AccountsService } from './accounts/accounts.service';
import { ApiTokensRepository } from './accounts/api-tokens.repository';
import { SessionsRepository } from './accounts/sessions.repository';
import { ApiTokenService } from './auth/api-token.service';
import { AuthController, SessionController } from './auth/auth.controller';
import { OidcController } from './auth/oidc.controller';
import { OidcService } from './auth/oidc.service';
import { SessionService } from './auth/session.service';
import { AdminBindingsService } from './bindings/admin-bindings.service';
import { BindingsController } from './bindings/bindings.controller';
import { BindingsQueryRepository } from './bindings/bindings-query.repository';
import { AdminExceptionFilter } from './common/admin-exception.filter';
import { adminApiHeaders } from './common/admin-headers';
import { adminJsonBody } from './common/admin-json-body';
import { RequestContext } from './common/request-context';
import { DashboardController } from './dashboard/dashboard.controller';
import { DashboardService } from './dashboard/dashboard.service';
import { LogsController } from './logs/logs.controller';
import { LogsRepository } from './logs/logs.repository';
import { AdminSettingsController } from './settings/admin-settings.controller';
import { AdminSettingsService } from './settings/admin-settings.service';
import { OperationsController } from './operations/operations.controller';
import { ADMIN_CONTROLLERS, AdminOpenApiService, OpenApiController } from './openapi/openapi.controller';
import { StatusController } from './status/status.controller';
import { StatusService } from './status/status.service';

/** Every admin controller; the OpenAPI document is generated from exactly this list. */
export const ADMIN_CONTROLLER_CLASSES = [
  AuthController,
  SessionController,
  OidcController,
  AccountsController,
  DashboardController,
  BindingsController,
  LogsController,
  AdminSettingsController,
  StatusController,
  OperationsController,
  OpenApiController,
];

/**
 * The admin API under /admin/api (the original tool's paths). Needs the global Core, Storage,
 * Settings and Binding modules. Import it before ProxyModule.
 */
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: config.secrets.jwtSecret,
        signOptions: { algorithm: 'HS256', issuer: JWT_ISSUER, audience: JWT_AUDIENCE },
        verifyOptions: { algorithms: ['HS256'], issuer: JWT_ISSUER, audience: JWT_AUDIENCE },
      }),
    }),
  ],
  controllers: ADMIN_CONTROLLER_CLASSES,
  providers: [
    RequestContext,
    AdminExceptionFilter,
    AdminAuthGuard,
    AdminAuthService,
    SessionService,
    OidcService,
    ApiTokenService,
    AccountsRepository,
    SessionsRepository,
    ApiTokensRepository,
    AccountsService,
    AuditRepository,
    AuditService,
    BindingsQueryRepository,
    AdminBindingsService,
    LogsRepository,
    DashboardService,
    StatusService,
    AdminSettingsService,
    AdminOpenApiService,
    { provide: ADMIN_CONTROLLERS, useValue: ADMIN_CONTROLLER_CLASSES },
  ],
  exports: [AdminAuthService, StatusService],
})
export class AdminModule implements NestModule {
  /**
   * Every /admin/api answer (unknown paths and the body reader's refusals included) gets
   * no-store and nosniff first. The server runs with bodyParser: false (the proxy streams); only
   * admin routes parse JSON, bounded in size and nesting depth.
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(adminApiHeaders()).forRoutes({ path: 'admin/api/{*path}', method: RequestMethod.ALL });
    consumer.apply(adminJsonBody(1024 * 1024)).forRoutes(...ADMIN_CONTROLLER_CLASSES);
  }
}
