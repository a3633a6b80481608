import type { AdminHttpMethod, AdminOperationName } from '@sentinel/admin-contract';

/** The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that the generators emit. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
  minItems?: number;
  pattern?: string;
}

export interface ContractOperation {
  method: AdminHttpMethod;
  path: string;
  public: boolean;
  description?: string;
  body?: JsonSchema;
  query?: JsonSchema;
  params?: JsonSchema;
  response: JsonSchema;
  responseContentType?: string;
}

/** What tools/openapi/contract-schemas.mjs derives from the contract's TypeScript types. */
export interface ContractSchemas {
  operations: Record<AdminOperationName, ContractOperation>;
  schemas: Record<string, JsonSchema>;
}
