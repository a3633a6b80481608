export {
  classifyRoute,
  parseRequestTarget,
  type RequestTarget,
  type RouteClass,
  type RouteFamily,
  type RouteInfo,
} from './route-class';
export {
  createCredentialExtractor,
  CREDENTIAL_CARRIERS,
  dashboardCarriesRelayKey,
  extractCredential,
  inspectRequest,
  isGuarded,
  MAX_KEY_LENGTH,
  type CredentialCarrier,
  type CredentialExtractor,
  type CredentialRequest,
  type CredentialResult,
  type CredentialSource,
  type RequestInspection,
} from './extract-credential';
