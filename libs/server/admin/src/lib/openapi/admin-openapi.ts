import 'reflect-metadata';
import { RequestMethod, type Type } from '@nestjs/common';
import {
  GUARDS_METADATA,
  HTTP_CODE_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import {
  ADMIN_API_PREFIX,
  ADMIN_OPERATIONS,
  type AdminHttpMethod,
  type AdminRole,
  type AdminOperationName,
} from '@sentinel/admin-contract';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { REQUIRED_ROLE, SESSION_ONLY } from '../auth/require-role.decorator';
import type { ContractSchemas, JsonSchema } from './contract-schemas.types';

/** One route as Nest will mount it, read from the controller's decorator metadata. */
export interface ControllerRoute {
  /** `BindingsController.list` */
  handler: string;
  method: AdminHttpMethod;
  /** Relative to ADMIN_API_PREFIX, Nest style: `bindings/:id`. */
  path: string;
  status: number;
  guarded: boolean;
  /** @RequireRole's declaration (undefined: none). */
  role?: AdminRole;
  sessionOnly: boolean;
  body?: Type;
  query?: Type;
  params?: Type;
}

const METHODS: Partial<Record<RequestMethod, AdminHttpMethod>> = {
  [RequestMethod.GET]: 'GET',
  [RequestMethod.POST]: 'POST',
  [RequestMethod.PUT]: 'PUT',
  [RequestMethod.DELETE]: 'DELETE',
};
const ARG_KINDS: Partial<Record<RouteParamtypes, 'body' | 'query' | 'params'>> = {
  [RouteParamtypes.BODY]: 'body',
  [RouteParamtypes.QUERY]: 'query',
  [RouteParamtypes.PARAM]: 'params',
};
type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

const PREFIX = ADMIN_API_PREFIX.replace(/^\/+/, '');
const trim = (p: string) => p.replace(/^\/+|\/+$/g, '');

/** Every route of the given controllers under ADMIN_API_PREFIX (others are an error: `problems`). */
export function controllerRoutes(controllers: readonly Type[], problems: string[] = []): ControllerRoute[] {
  const routes: ControllerRoute[] = [];
  for (const controller of controllers) {
    const base = trim(String(Reflect.getMetadata(PATH_METADATA, controller) ?? ''));
    const classGuards: unknown[] = Reflect.getMetadata(GUARDS_METADATA, controller) ?? [];
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const fn = proto[name];
      if (name === 'constructor' || typeof fn !== 'function') continue;
      const routePath: unknown = Reflect.getMetadata(PATH_METADATA, fn);
      if (routePath === undefined) continue;
      const handler = `${controller.name}.${name}`;
      const method = METHODS[Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod];
      if (!method) {
        problems.push(`${handler}: HTTP method outside GET/POST/PUT/DELETE`);
        continue;
      }
      const full = [base, trim(String(routePath))].filter(Boolean).join('/');
      if (full !== PREFIX && !full.startsWith(`${PREFIX}/`)) {
        problems.push(`${handler}: /${full} is not under ${ADMIN_API_PREFIX}`);
        continue;
      }
      const guards: unknown[] = [...classGuards, ...((Reflect.getMetadata(GUARDS_METADATA, fn) as unknown[]) ?? [])];
      const route: ControllerRoute = {
        handler,
        method,
        path: full.slice(PREFIX.length + 1),
        status: (Reflect.getMetadata(HTTP_CODE_METADATA, fn) as number | undefined) ?? (method === 'POST' ? 201 : 200),
        guarded: guards.includes(AdminAuthGuard),
        role: Reflect.getMetadata(REQUIRED_ROLE, fn) as AdminRole | undefined,
        sessionOnly: Reflect.getMetadata(SESSION_ONLY, fn) === true,
      };
      const paramTypes: Type[] = Reflect.getMetadata('design:paramtypes', proto, name) ?? [];
      const args: Record<string, { index: number; data?: unknown }> =
        Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {};
      for (const [key, arg] of Object.entries(args)) {
        const kind = ARG_KINDS[Number(key.split(':')[0]) as RouteParamtypes];
        if (!kind) continue;
        if (arg.data !== undefined)
          problems.push(`${handler}: @${kind}('${String(arg.data)}') — take the whole ${kind} as one DTO`);
        else route[kind] = paramTypes[arg.index];
      }
      routes.push(route);
    }
  }
  return routes;
}

/** The JSON Schema of a DTO's properties, from its class-validator decorators. */
export function dtoSchema(
  dto: Type,
  problems: string[] = [],
): { properties: Record<string, JsonSchema>; required: string[] } {
  const metas = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const byProp = new Map<string, ValidationMetadata[]>();
  for (const m of metas) byProp.set(m.propertyName, [...(byProp.get(m.propertyName) ?? []), m]);
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [prop, list] of byProp) {
    const s: JsonSchema = {};
    const itemEnum: unknown[] = [];
    const items: JsonSchema = {};
    for (const m of list) {
      if (m.type === ValidationTypes.CONDITIONAL_VALIDATION || m.type === ValidationTypes.NESTED_VALIDATION) continue;
      const c = m.constraints ?? [];
      switch (m.name) {
        case 'isString':
          if (m.each) items.type = 'string';
          else s.type = 'string';
          break;
        case 'isBoolean':
          s.type = 'boolean';
          break;
        case 'isInt':
          s.type = 'integer';
          break;
        case 'min':
          s.minimum = c[0];
          break;
        case 'max':
          s.maximum = c[0];
          break;
        case 'maxLength':
          if (m.each) {
            items.type = 'string';
            items.maxLength = c[0];
            break;
          }
          s.type = 'string';
          s.maxLength = c[0];
          break;
        case 'matches':
          if (m.each) {
            items.type = 'string';
            items.pattern = c[0] instanceof RegExp ? c[0].source : String(c[0]);
            break;
          }
          s.type = 'string';
          s.pattern = c[0] instanceof RegExp ? c[0].source : String(c[0]);
          break;
        case 'isIn':
          if (m.each) itemEnum.push(...(c[0] as unknown[]));
          else s.enum = [...(c[0] as unknown[])];
          break;
        case 'isIso8601':
          s.type = 'string';
          s.format = 'date-time';
          break;
        case 'isArray':
          s.type = 'array';
          break;
        case 'arrayMaxSize':
          s.maxItems = c[0];
          break;
        case 'arrayMinSize':
          s.minItems = c[0];
          break;
        case 'isObject':
          s.type = 'object';
          break;
        case 'isIpAddress':
          s.type = 'string';
          s.description = 'An IPv4 or IPv6 address.';
          break;
        case 'isIpOrCidr':
          s.type = 'string';
          s.description = 'An IPv4 or IPv6 address, or a CIDR range (10.0.0.0/8) for every address inside it.';
          break;
        case 'isRuleEntries':
          s.type = 'array';
          s.items = { type: 'string', description: 'An IP address or CIDR range.' };
          break;
        default:
          problems.push(
            `${dto.name}.${prop}: no OpenAPI mapping for @${m.name ?? m.type} (add one in admin-openapi.ts)`,
          );
      }
    }
    if (itemEnum.length) s.items = { enum: itemEnum };
    else if (Object.keys(items).length) s.items = items;
    properties[prop] = s;
    if (!list.some((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION)) required.push(prop);
  }
  return { properties, required };
}

function resolve(schemas: ContractSchemas['schemas'], s: JsonSchema | undefined): JsonSchema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 10; i++) cur = schemas[cur.$ref.replace('#/components/schemas/', '')];
  return cur;
}

/** The contract's schema of a property with the DTO's constraints (bounds, patterns) on top. */
function merge(contract: JsonSchema | undefined, dto: JsonSchema): JsonSchema {
  if (!contract) return dto;
  if (contract.$ref) {
    const rest: JsonSchema = { ...dto };
    delete rest.type;
    delete rest.enum;
    delete rest.items;
    return { $ref: contract.$ref, ...rest };
  }
  const out: JsonSchema = { ...contract, ...dto };
  if (contract.properties) out.properties = contract.properties;
  if (contract.items && !dto.items) out.items = contract.items;
  if (contract.description && dto.description) out.description = contract.description;
  return out;
}

/** A request part: the DTO's properties and required list must equal the contract type's. */
function requestPart(
  where: string,
  dto: Type,
  contractSchema: JsonSchema | undefined,
  schemas: ContractSchemas['schemas'],
  problems: string[],
): { properties: Record<string, JsonSchema>; required: string[] } {
  const fromDto = dtoSchema(dto, problems);
  const contract = resolve(schemas, contractSchema);
  const cProps = contract?.properties ?? {};
  const cRequired = [...(contract?.required ?? [])].sort();
  const dNames = Object.keys(fromDto.properties).sort();
  const cNames = Object.keys(cProps).sort();
  if (dNames.join() !== cNames.join())
    problems.push(`${where}: ${dto.name} has [${dNames}] but the contract type has [${cNames}]`);
  if ([...fromDto.required].sort().join() !== cRequired.join()) {
    problems.push(
      `${where}: ${dto.name} requires [${[...fromDto.required].sort()}] but the contract type requires [${cRequired}]`,
    );
  }
  const properties = Object.fromEntries(Object.entries(fromDto.properties).map(([k, v]) => [k, merge(cProps[k], v)]));
  return { properties, required: fromDto.required };
}

const ERROR = { $ref: '#/components/schemas/AdminErrorBody' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ERROR } } });

export interface AdminOpenApiResult {
  document: Record<string, unknown>;
  routes: ControllerRoute[];
  /** Disagreements between controllers, DTOs and the contract; empty when they agree. */
  problems: string[];
}

/**
 * The admin API's OpenAPI 3.1 document: paths, methods, status codes, guards and request
 * schemas from the controllers' Nest and class-validator metadata; operation names and
 * response schemas from the contract (ADMIN_OPERATIONS and the schemas generated from its
 * TypeScript types). Every disagreement between the three is reported in `problems`.
 */
export function inspectAdminApi(
  controllers: readonly Type[],
  contract: ContractSchemas,
  version: string,
): AdminOpenApiResult {
  const problems: string[] = [];
  const routes = controllerRoutes(controllers, problems);
  const paths: Record<string, Record<string, unknown>> = {};
  const names = Object.keys(ADMIN_OPERATIONS) as AdminOperationName[];
  for (const name of names) {
    const op = ADMIN_OPERATIONS[name];
    const generated = contract.operations[name];
    if (!generated || generated.method !== op.method || generated.path !== op.path || generated.public !== op.public) {
      problems.push(`${name}: the generated contract schemas are stale (node tools/openapi/contract-schemas.mjs)`);
      continue;
    }
    const matching = routes.filter((r) => r.method === op.method && r.path === op.path);
    if (matching.length !== 1) {
      problems.push(`${name}: ${op.method} ${op.path} has ${matching.length} controller routes (expected exactly one)`);
      continue;
    }
    const [route] = matching;
    if (route.guarded === op.public) {
      problems.push(
        `${name}: ${route.handler} is ${route.guarded ? '' : 'not '}behind AdminAuthGuard but the contract says public: ${op.public}`,
      );
    }
    if (route.guarded && !route.role)
      problems.push(`${name}: ${route.handler} has no @RequireRole declaration (every guarded route needs one)`);
    else if (route.guarded && route.role !== op.role)
      problems.push(
        `${name}: ${route.handler} declares @RequireRole('${route.role}') but the contract says ${op.role}`,
      );
    if (!route.guarded && route.role)
      problems.push(`${name}: ${route.handler} is public but declares @RequireRole('${route.role}')`);
    const operation: Record<string, unknown> = { operationId: name, tags: [op.path.split('/')[0]] };
    if (route.guarded && route.role) {
      operation['x-required-role'] = route.role;
      if (route.sessionOnly) operation['x-session-only'] = true;
    }
    if (generated.description) operation['description'] = generated.description;
    const parameters: unknown[] = [];
    for (const part of ['params', 'query'] as const) {
      const dto = route[part];
      if (!!dto !== !!generated[part])
        problems.push(
          `${name}: ${route.handler} ${dto ? 'takes' : 'does not take'} ${part} but the contract ${dto ? 'has none' : 'has some'}`,
        );
      if (!dto) continue;
      const { properties, required } = requestPart(`${name} ${part}`, dto, generated[part], contract.schemas, problems);
      for (const [key, schema] of Object.entries(properties)) {
        const description = resolve(contract.schemas, generated[part])?.properties?.[key]?.description;
        parameters.push({
          name: key,
          in: part === 'params' ? 'path' : 'query',
          required: part === 'params' ? true : required.includes(key),
          ...(description ? { description } : {}),
          schema,
        });
      }
    }
    const templateParams = [...op.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
    const declared = parameters
      .filter((p) => (p as { in: string }).in === 'path')
      .map((p) => (p as { name: string }).name);
    if (templateParams.sort().join() !== declared.sort().join())
      problems.push(`${name}: path parameters [${templateParams}] but the params DTO has [${declared}]`);
    if (parameters.length) operation['parameters'] = parameters;
    if (!!route.body !== !!generated.body)
      problems.push(
        `${name}: ${route.handler} ${route.body ? 'takes' : 'does not take'} a body but the contract ${route.body ? 'has none' : 'has one'}`,
      );
    if (route.body) {
      const { properties, required } = requestPart(
        `${name} body`,
        route.body,
        generated.body,
        contract.schemas,
        problems,
      );
      const schema: JsonSchema = { type: 'object', properties, additionalProperties: false };
      if (required.length) schema.required = required;
      operation['requestBody'] = { required: true, content: { 'application/json': { schema } } };
    }
    const contentType = generated.responseContentType ?? 'application/json';
    const responses: Record<string, unknown> = {
      [String(route.status)]: { description: 'OK', content: { [contentType]: { schema: generated.response } } },
    };
    if (route.body || route.query || route.params)
      responses['400'] = errorResponse('The request is not valid (field errors in error.fields).');
    if (route.guarded) {
      responses['401'] = errorResponse('The bearer token is missing, expired, revoked or invalid.');
      responses['403'] = errorResponse(
        `The caller's role is below ${route.role ?? 'the required one'} (code forbidden).`,
      );
    }
    responses['default'] = errorResponse('Any other error, in the admin API’s one error shape.');
    operation['responses'] = responses;
    operation['security'] = route.guarded ? [{ adminBearer: [] }] : [];
    const openApiPath = `${ADMIN_API_PREFIX}/${op.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
    (paths[openApiPath] ??= {})[op.method.toLowerCase()] = operation;
  }
  for (const r of routes) {
    if (!names.some((n) => ADMIN_OPERATIONS[n].method === r.method && ADMIN_OPERATIONS[n].path === r.path)) {
      problems.push(`${r.handler}: ${r.method} ${r.path} is not in the contract's ADMIN_OPERATIONS`);
    }
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'Sentinel admin API',
      version,
      description:
        'Generated from the admin controllers and libs/shared/admin-contract. Sign in with POST ' +
        `${ADMIN_API_PREFIX}/login and send the accessToken as \`Authorization: Bearer <token>\` ` +
        '(it lasts accessTokenMinutes; POST session/refresh renews it from the HttpOnly refresh cookie), ' +
        'or send an API token the same way (`Bearer sst_…`). Each operation names the weakest role ' +
        'allowed in `x-required-role` (viewer < operator < admin); a lower one gets 403 `forbidden`. ' +
        'Request bodies are JSON in UTF-8 (else 415), at most 1 MiB (413) and 32 levels of nesting (400). ' +
        'Every answer carries `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`.',
    },
    paths: Object.fromEntries(
      Object.keys(paths)
        .sort()
        .map((k) => [k, paths[k]]),
    ),
    components: {
      schemas: contract.schemas,
      securitySchemes: {
        adminBearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT or sst_ API token',
        },
      },
    },
  };
  return { document, routes, problems };
}

/** The document, or an error listing every disagreement. */
export function buildAdminOpenApi(
  controllers: readonly Type[],
  contract: ContractSchemas,
  version: string,
): Record<string, unknown> {
  const { document, problems } = inspectAdminApi(controllers, contract, version);
  if (problems.length) throw new Error(`The admin API and its contract disagree:\n- ${problems.join('\n- ')}`);
  return document;
}
