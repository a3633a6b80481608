export * from './lib/alert.module';
export * from './lib/alert.options';
export * from './lib/alert.service';
export * from './lib/alert.types';
export {
  ALERT_FORMATTERS,
  alertRequest,
  renderAlert,
  plainText,
  type AlertFormatter,
  type AlertFormatterTable,
  type AlertRequest,
} from './lib/formats';
export { DEFAULT_SIGNATURE_TOLERANCE_SEC, SIGNATURE_HEADER, signatureHeader, verifySignature } from './lib/signature';
export {
  forbiddenReason,
  resolveWebhookTarget,
  WebhookTargetError,
  type Resolver,
  type WebhookTargetErrorKind,
} from './lib/ssrf-guard';
