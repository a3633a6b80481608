#!/usr/bin/env node
// JSON Schemas of the admin contract's types, for the admin API's OpenAPI document.
//
// Reads `AdminOperations` in libs/shared/admin-contract with the TypeScript compiler API and emits,
// per operation, references to the schemas of its body, query, params and response, plus those
// schemas (components) — the contract's TypeScript types are the only source. The server merges
// this with its controllers' route metadata at run time (libs/server/admin/src/lib/openapi).
//
//   node tools/openapi/contract-schemas.mjs           rewrite the generated module
//   node tools/openapi/contract-schemas.mjs --check   exit 1 if it is stale (CI)
//   node tools/openapi/contract-schemas.mjs --stdout  print the JSON only (the admin unit test uses it)
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const contractDir = join(root, 'libs/shared/admin-contract/src');
const entry = join(contractDir, 'index.ts');
const outFile = join(root, 'libs/server/admin/src/lib/openapi/contract-schemas.generated.ts');
const mode = process.argv.includes('--check') ? 'check' : process.argv.includes('--stdout') ? 'stdout' : 'write';

/** Formats a plain string type cannot carry. */
const FORMATS = { IsoDateTime: 'date-time' };
const OPERATION_PARTS = ['body', 'query', 'params', 'response'];
/** Named schemas every operation may answer with besides its own (the one error shape). */
const SHARED_SCHEMAS = ['AdminErrorBody'];

export function generate() {
  const program = ts.createProgram([entry], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    skipLibCheck: true,
    noEmit: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length) {
    throw new Error(
      ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => root,
        getNewLine: () => '\n',
      }),
    );
  }
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const exportsOf = checker.getExportsOfModule(checker.getSymbolAtLocation(source));
  const opsSymbol = exportsOf.find((s) => s.name === 'AdminOperations');
  if (!opsSymbol) throw new Error('AdminOperations is not exported by the admin contract');

  const schemas = {};
  const building = new Set();
  const inContract = (sym) => (sym?.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(contractDir));
  const docOf = (sym) => ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();

  function namedSymbol(type, node) {
    if (node && ts.isTypeReferenceNode(node) && !node.typeArguments && ts.isIdentifier(node.typeName)) {
      let sym = checker.getSymbolAtLocation(node.typeName);
      if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
      if (sym && sym.flags & (ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Interface) && inContract(sym)) {
        const decl = sym.declarations[0];
        if (!decl.typeParameters?.length) return sym;
      }
    }
    if (type.aliasSymbol && !type.aliasTypeArguments && inContract(type.aliasSymbol)) return type.aliasSymbol;
    if (
      type.flags & ts.TypeFlags.Object &&
      type.objectFlags & ts.ObjectFlags.Interface &&
      inContract(type.symbol) &&
      !type.typeParameters?.length
    ) {
      return type.symbol;
    }
    return null;
  }

  function schemaFor(type, node) {
    const sym = namedSymbol(type, node);
    if (!sym) return inline(type, node);
    const name = sym.name;
    if (!schemas[name] && !building.has(name)) {
      building.add(name);
      const body = inline(type, undefined);
      if (FORMATS[name]) body.format = FORMATS[name];
      const description = docOf(sym);
      schemas[name] = description ? { description, ...body } : body;
      building.delete(name);
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  function memberNode(node, member) {
    if (!node || !ts.isUnionTypeNode(node)) return undefined;
    return node.types.find((n) => checker.getTypeFromTypeNode(n) === member);
  }

  function inline(type, node) {
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    if (f & ts.TypeFlags.String) return { type: 'string' };
    if (f & ts.TypeFlags.Number) return { type: 'number' };
    if (f & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (f & ts.TypeFlags.Null) return { type: 'null' };
    if (f & ts.TypeFlags.StringLiteral) return { type: 'string', enum: [type.value] };
    if (f & ts.TypeFlags.NumberLiteral) return { type: 'number', enum: [type.value] };
    if (f & ts.TypeFlags.BooleanLiteral) return { type: 'boolean', enum: [checker.typeToString(type) === 'true'] };
    if (type.isUnion()) {
      let members = type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined));
      if (members.length === 1) return schemaFor(members[0], node);
      const nullable = members.some((t) => t.flags & ts.TypeFlags.Null);
      members = members.filter((t) => !(t.flags & ts.TypeFlags.Null));
      const bools = members.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
      let schemasOf;
      if (members.length && members.every((t) => t.flags & ts.TypeFlags.StringLiteral)) {
        schemasOf = [{ type: 'string', enum: members.map((t) => t.value) }];
      } else if (members.length && members.every((t) => t.flags & ts.TypeFlags.NumberLiteral)) {
        schemasOf = [{ type: 'number', enum: members.map((t) => t.value) }];
      } else {
        const rest = members.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral));
        schemasOf = rest.map((t) => schemaFor(t, memberNode(node, t)));
        if (bools.length === 2) schemasOf.push({ type: 'boolean' });
        else if (bools.length === 1) schemasOf.push(inline(bools[0]));
      }
      if (nullable) {
        if (schemasOf.length === 1 && typeof schemasOf[0].type === 'string')
          return {
            ...schemasOf[0],
            type: [schemasOf[0].type, 'null'],
            ...(schemasOf[0].enum ? { enum: [...schemasOf[0].enum, null] } : {}),
          };
        schemasOf.push({ type: 'null' });
      }
      return schemasOf.length === 1 ? schemasOf[0] : { anyOf: schemasOf };
    }
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      const [element] = checker.getTypeArguments(type);
      const elementNode = node && ts.isArrayTypeNode(node) ? node.elementType : undefined;
      return { type: 'array', items: schemaFor(element, elementNode) };
    }
    if (f & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) {
      const properties = {};
      const required = [];
      for (const prop of checker.getPropertiesOfType(type)) {
        const decl = prop.valueDeclaration ?? prop.declarations?.[0];
        const propNode = decl && ts.isPropertySignature(decl) ? decl.type : undefined;
        // Optional properties' `| undefined` is dropped by inline()'s union case.
        const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
        const s = schemaFor(checker.getTypeOfSymbol(prop), propNode);
        const description = docOf(prop);
        properties[prop.name] = description && !s.$ref ? { description, ...s } : s;
        if (!optional) required.push(prop.name);
      }
      const out = { type: 'object', properties };
      if (required.length) out.required = required;
      const index = checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & ts.TypeFlags.String);
      // Responses may grow fields; closed request shapes come from the DTOs (the server's pipe).
      if (index) out.additionalProperties = schemaFor(index.type);
      return out;
    }
    throw new Error(`contract-schemas: no JSON Schema for type ${checker.typeToString(type)}`);
  }

  const opsType = checker.getDeclaredTypeOfSymbol(opsSymbol);
  const operations = {};
  for (const op of checker.getPropertiesOfType(opsType)) {
    const opType = checker.getTypeOfSymbol(op);
    const entry = { description: docOf(op) || undefined };
    for (const part of checker.getPropertiesOfType(opType)) {
      const decl = part.valueDeclaration;
      const t = checker.getTypeOfSymbol(part);
      if (part.name === 'method' || part.name === 'path' || part.name === 'responseContentType')
        entry[part.name] = t.value;
      else if (part.name === 'public') entry.public = checker.typeToString(t) === 'true';
      else if (OPERATION_PARTS.includes(part.name)) entry[part.name] = schemaFor(t, decl.type);
      else throw new Error(`AdminOperations.${op.name}: unknown part "${part.name}"`);
    }
    entry.public ??= false;
    if (!entry.description) delete entry.description;
    operations[op.name] = entry;
  }
  for (const name of SHARED_SCHEMAS) {
    const sym = exportsOf.find((x) => x.name === name);
    if (!sym) throw new Error(`${name} is not exported by the admin contract`);
    schemaFor(checker.getDeclaredTypeOfSymbol(sym), undefined);
  }
  const sorted = Object.fromEntries(
    Object.keys(schemas)
      .sort()
      .map((k) => [k, schemas[k]]),
  );
  return { operations, schemas: sorted };
}

function render(data) {
  return [
    `// Generated by \`node ${relative(root, fileURLToPath(import.meta.url))}\` from libs/shared/admin-contract. Do not edit.`,
    `// CI re-generates it and fails when it differs (openapi.spec.ts).`,
    `import type { ContractSchemas } from './contract-schemas.types';`,
    '',
    `export const CONTRACT_SCHEMAS: ContractSchemas = ${JSON.stringify(data, null, 2)};`,
    '',
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const data = generate();
  if (mode === 'stdout') process.stdout.write(JSON.stringify(data));
  else if (mode === 'check') {
    let current = '';
    try {
      current = readFileSync(outFile, 'utf8');
    } catch {
      /* missing */
    }
    if (current !== render(data)) {
      console.error(`${relative(root, outFile)} is stale: run node tools/openapi/contract-schemas.mjs`);
      process.exit(1);
    }
  } else {
    writeFileSync(outFile, render(data));
    console.log(
      `contract-schemas: wrote ${relative(root, outFile)} (${Object.keys(data.operations).length} operations, ${Object.keys(data.schemas).length} schemas)`,
    );
  }
}
