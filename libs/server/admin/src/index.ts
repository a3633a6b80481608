export * from './lib/admin.module';
export { AdminAuthService, ADMIN_ACCOUNT, JWT_AUDIENCE, JWT_ISSUER } from './lib/auth/admin-auth.service';
export { csvCell, csvRow } from './lib/logs/csv';
