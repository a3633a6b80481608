export {
  classifyRoute,
  parseRequestTarget,
  type RequestTarget,
  type RouteClass,
  type RouteFamily,
  type RouteInfo,
} from './route-class';
export {
  extractCredential,
  inspectRequest,
  MAX_KEY_LENGTH,
  type CredentialRequest,
  type CredentialResult,
  type CredentialSource,
  type RequestInspection,
} from './extract-credential';
