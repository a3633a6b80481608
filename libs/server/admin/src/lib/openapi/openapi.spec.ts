import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Body, Controller, Delete, Get, Param, Post, Put, UseGuards } from '@nestjs/common';
import {
  ADMIN_API_PREFIX,
  ADMIN_OPERATIONS,
  MAX_RULE_ENTRIES,
  RULE_KINDS,
  type AdminOperationName,
} from '@sentinel/admin-contract';
import { IsString } from 'class-validator';
import { ADMIN_CONTROLLER_CLASSES } from '../admin.module';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { SettingKeyParamDto, UpdateSettingsDto } from '../settings/settings.dto';
import { BindingsController } from '../bindings/bindings.controller';
import { AdminController } from '../common/admin-controller.decorator';
import { buildAdminOpenApi, controllerRoutes, inspectAdminApi } from './admin-openapi';
import { CONTRACT_SCHEMAS } from './contract-schemas.generated';
import type { ContractSchemas } from './contract-schemas.types';

const WORKSPACE = resolve(__dirname, '../../../../../..');
const OPS = Object.keys(ADMIN_OPERATIONS) as AdminOperationName[];
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<
      string,
      {
        operationId: string;
        parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
        requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
        responses: Record<string, { description?: string; content?: Record<string, { schema: { $ref?: string } }> }>;
        security?: unknown[];
      }
    >
  >;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

/** Structural checks of an OpenAPI 3.1 document (the parts a client generator relies on). */
function openApiProblems(doc: Doc): string[] {
  const out: string[] = [];
  if (!/^3\.1\.\d+$/.test(String(doc.openapi))) out.push(`openapi is ${doc.openapi}, not 3.1.x`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string')
    out.push('info.title and info.version must be strings');
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith('/')) out.push(`${path}: paths start with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      if (!HTTP_METHODS.includes(method)) out.push(`${path}: ${method} is not an HTTP method`);
      if (!op.operationId) out.push(`${method} ${path}: no operationId`);
      else if (ids.has(op.operationId)) out.push(`${op.operationId}: duplicate operationId`);
      ids.add(op.operationId);
      if (!op.responses || Object.keys(op.responses).length === 0) out.push(`${op.operationId}: no responses`);
      for (const [code, r] of Object.entries(op.responses ?? {})) {
        if (!/^(default|[1-5](\d\d|XX))$/.test(code)) out.push(`${op.operationId}: response key ${code}`);
        if (typeof r.description !== 'string') out.push(`${op.operationId} ${code}: a response needs a description`);
      }
      const inPath = (op.parameters ?? []).filter((p) => p.in === 'path');
      for (const p of op.parameters ?? []) {
        if (!['query', 'header', 'path', 'cookie'].includes(p.in))
          out.push(`${op.operationId}: parameter ${p.name} in ${p.in}`);
        if (p.in === 'path' && p.required !== true)
          out.push(`${op.operationId}: path parameter ${p.name} must be required`);
        if (!p.schema) out.push(`${op.operationId}: parameter ${p.name} has no schema`);
      }
      if (
        inPath
          .map((p) => p.name)
          .sort()
          .join() !== [...templated].sort().join()
      )
        out.push(`${op.operationId}: path parameters do not match ${path}`);
      for (const s of op.security ?? []) {
        for (const name of Object.keys(s as object))
          if (!doc.components?.securitySchemes?.[name]) out.push(`${op.operationId}: unknown security scheme ${name}`);
      }
    }
  }
  // Every $ref anywhere resolves inside the document.
  const visit = (v: unknown, where: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref') {
          const target = String(x)
            .replace(/^#\//, '')
            .split('/')
            .reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], doc);
          if (!String(x).startsWith('#/') || target === undefined) out.push(`${where}: dangling $ref ${String(x)}`);
        } else visit(x, `${where}.${k}`);
      }
    }
  };
  visit(doc, '#');
  return out;
}

describe('admin OpenAPI document', () => {
  const doc = buildAdminOpenApi(ADMIN_CONTROLLER_CLASSES, CONTRACT_SCHEMAS, 'test') as unknown as Doc;
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

  it('uses schemas that are re-generated from the contract types unchanged', () => {
    const script = join(WORKSPACE, 'tools/openapi/contract-schemas.mjs');
    const fresh = JSON.parse(
      execFileSync(process.execPath, [script, '--stdout'], {
        cwd: WORKSPACE,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      }),
    );
    expect(fresh).toEqual(JSON.parse(JSON.stringify(CONTRACT_SCHEMAS)));
  }, 120_000);

  it('is a structurally valid OpenAPI 3.1 document', () => {
    expect(openApiProblems(doc)).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('the structural check catches a dangling $ref, a missing path parameter and a duplicate operationId', () => {
    const broken = JSON.parse(JSON.stringify(doc)) as Doc;
    broken.paths['/admin/api/x/{id}'] = {
      get: {
        operationId: 'login',
        responses: {
          '200': {
            description: 'OK',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } },
          },
        },
      },
    };
    const problems = openApiProblems(broken).join('\n');
    expect(problems).toContain('dangling $ref #/components/schemas/Nope');
    expect(problems).toContain('path parameters do not match /admin/api/x/{id}');
    expect(problems).toContain('login: duplicate operationId');
  });

  it('has exactly one operation per contract operation, and nothing else', () => {
    expect(operations.map((o) => o.op.operationId).sort()).toEqual([...OPS].sort());
    for (const name of OPS) {
      const { method, path } = ADMIN_OPERATIONS[name];
      const found = operations.filter((o) => o.op.operationId === name);
      expect(found).toHaveLength(1);
      expect(found[0].method).toBe(method.toLowerCase());
      expect(found[0].path).toBe(`${ADMIN_API_PREFIX}/${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  });

  it('describes every controller route, with the controller’s status code and guard', () => {
    const routes = controllerRoutes(ADMIN_CONTROLLER_CLASSES);
    expect(routes).toHaveLength(OPS.length);
    for (const r of routes) {
      const op = doc.paths[`${ADMIN_API_PREFIX}/${r.path.replace(/:(\w+)/g, '{$1}')}`]?.[r.method.toLowerCase()];
      expect({ route: r.handler, found: !!op }).toEqual({ route: r.handler, found: true });
      expect(Object.keys(op.responses)).toContain(String(r.status));
      expect(op.security).toEqual(r.guarded ? [{ adminBearer: [] }] : []);
    }
    expect(doc.paths['/admin/api/login']['post'].security).toEqual([]);
    expect(doc.paths['/admin/api/openapi.json']['get'].security).toEqual([{ adminBearer: [] }]);
  });

  it('takes request shapes from the DTOs and response shapes from the contract types', () => {
    const list = doc.paths['/admin/api/bindings']['get'];
    const listQuery = (CONTRACT_SCHEMAS.schemas['BindingListQuery'].properties ?? {}) as object;
    expect(list.parameters?.map((p) => p.name).sort()).toEqual(Object.keys(listQuery).sort());
    expect(list.parameters?.find((p) => p.name === 'pageSize')?.schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 200,
    });
    expect(list.responses['200'].content?.['application/json'].schema).toEqual({
      $ref: '#/components/schemas/BindingListResponse',
    });

    const setRule = doc.paths['/admin/api/bindings/ip']['put'];
    const body = setRule.requestBody?.content['application/json'].schema as {
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    };
    expect(Object.keys(body.properties).sort()).toEqual(['entries', 'id', 'ruleKind']);
    expect(body.required.sort()).toEqual(['entries', 'id', 'ruleKind']);
    expect(body.properties['entries']).toMatchObject({ type: 'array', maxItems: MAX_RULE_ENTRIES });
    expect(CONTRACT_SCHEMAS.schemas['RuleKind']).toEqual({ type: 'string', enum: [...RULE_KINDS] });

    expect(doc.paths['/admin/api/logs/export']['get'].responses['200'].content).toHaveProperty('text/csv');
    expect(doc.paths['/admin/api/bindings/{id}']['get'].parameters).toEqual([
      expect.objectContaining({
        name: 'id',
        in: 'path',
        required: true,
        schema: expect.objectContaining({ pattern: expect.any(String) }),
      }),
    ]);
  });

  describe('reports every disagreement', () => {
    class ExtraDto {
      @IsString()
      id!: string;

      @IsString()
      reason!: string;
    }

    it('a contract operation without a route', () => {
      const { problems } = inspectAdminApi(
        ADMIN_CONTROLLER_CLASSES.filter((c) => c !== BindingsController),
        CONTRACT_SCHEMAS,
        'test',
      );
      expect(problems).toEqual(
        expect.arrayContaining(['listBindings: GET bindings has 0 controller routes (expected exactly one)']),
      );
      expect(() => buildAdminOpenApi([], CONTRACT_SCHEMAS, 'test')).toThrow(/disagree/);
    });

    it('a route the contract does not have, a DTO with a property the contract type lacks, a missing guard', () => {
      @AdminController()
      class RogueController {
        @Get('bindings/rogue')
        rogue(): string {
          return 'rogue';
        }

        @Post('bindings/ban')
        ban(@Body() _body: ExtraDto): string {
          return 'ban';
        }
      }
      @Controller('admin/api')
      class UnguardedController {
        @Get('status')
        status(): string {
          return 'status';
        }
      }
      const others = ADMIN_CONTROLLER_CLASSES.filter((c) => c !== BindingsController && c.name !== 'StatusController');
      const { problems } = inspectAdminApi([...others, RogueController, UnguardedController], CONTRACT_SCHEMAS, 'test');
      const text = problems.join('\n');
      expect(text).toContain('RogueController.rogue: GET bindings/rogue is not in the contract');
      expect(text).toContain('ban body: ExtraDto has [id,reason] but the contract type has [id]');
      expect(text).toContain('status: UnguardedController.status is not behind AdminAuthGuard');
    });

    it('a guarded route without a @RequireRole declaration, or with another role than the contract', () => {
      @AdminController()
      class UndeclaredStatus {
        @Get('status')
        status(): string {
          return 'status';
        }
      }
      @AdminController()
      class WeakSettings {
        @Put('settings')
        @RequireRole('viewer')
        update(@Body() _body: UpdateSettingsDto): string {
          return 'settings';
        }

        @Get('settings')
        @RequireRole('viewer')
        get(): string {
          return 'settings';
        }

        @Delete('settings/:key')
        @RequireRole('admin')
        reset(@Param() _p: SettingKeyParamDto): string {
          return 'settings';
        }
      }
      const others = ADMIN_CONTROLLER_CLASSES.filter(
        (c) => c.name !== 'StatusController' && c.name !== 'AdminSettingsController',
      );
      const text = inspectAdminApi([...others, UndeclaredStatus, WeakSettings], CONTRACT_SCHEMAS, 'test').problems.join(
        '\n',
      );
      expect(text).toContain('status: UndeclaredStatus.status has no @RequireRole declaration');
      expect(text).toContain(
        "updateSettings: WeakSettings.update declares @RequireRole('viewer') but the contract says admin",
      );
    });

    it('names every guarded operation’s role in x-required-role, equal to the contract', () => {
      for (const { op } of operations) {
        const name = op.operationId as AdminOperationName;
        expect({ name, role: (op as Record<string, unknown>)['x-required-role'] ?? null }).toEqual({
          name,
          role: ADMIN_OPERATIONS[name].role,
        });
      }
    });

    it('stale generated schemas', () => {
      const stale = JSON.parse(JSON.stringify(CONTRACT_SCHEMAS)) as ContractSchemas;
      stale.operations.ban.path = 'bindings/block';
      expect(inspectAdminApi(ADMIN_CONTROLLER_CLASSES, stale, 'test').problems).toContain(
        'ban: the generated contract schemas are stale (node tools/openapi/contract-schemas.mjs)',
      );
    });

    it('a guard on a public operation', () => {
      @AdminController({ public: true })
      @UseGuards(AdminAuthGuard)
      class GuardedLogin {
        @Post('login')
        login(): string {
          return 'login';
        }
      }
      const others = ADMIN_CONTROLLER_CLASSES.filter((c) => c.name !== 'AuthController');
      expect(inspectAdminApi([...others, GuardedLogin], CONTRACT_SCHEMAS, 'test').problems.join('\n')).toContain(
        'login: GuardedLogin.login is behind AdminAuthGuard but the contract says public: true',
      );
    });
  });
});
