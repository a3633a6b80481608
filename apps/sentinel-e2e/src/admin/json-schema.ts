/**
 * A small JSON Schema checker for the subset the admin OpenAPI document uses ($ref into the
 * document, type (incl. lists), enum, properties, required, additionalProperties, items, anyOf,
 * minimum/maximum, maxLength, maxItems, pattern). Returns the problems; [] when `value` conforms.
 */
export type Schema = Record<string, unknown>;

export function schemaProblems(value: unknown, schema: Schema, doc: Record<string, unknown>, at = '$'): string[] {
  if (typeof schema['$ref'] === 'string') {
    const target = (schema['$ref'] as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc);
    if (!target) return [`${at}: dangling ${schema['$ref']}`];
    const { $ref: _ref, ...rest } = schema;
    return [...schemaProblems(value, target as Schema, doc, at), ...schemaProblems(value, rest, doc, at)];
  }
  const out: string[] = [];
  if (Array.isArray(schema['anyOf'])) {
    const ok = (schema['anyOf'] as Schema[]).some((s) => schemaProblems(value, s, doc, at).length === 0);
    if (!ok) out.push(`${at}: matches none of anyOf`);
  }
  if (schema['type'] !== undefined) {
    const types = ([] as string[]).concat(schema['type'] as string | string[]);
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    const ok = types.some(
      (t) => t === actual || (t === 'integer' && Number.isInteger(value)) || (t === 'number' && actual === 'number'),
    );
    if (!ok) return [`${at}: ${JSON.stringify(value)} is not ${types.join('|')}`];
  }
  if (Array.isArray(schema['enum']) && !(schema['enum'] as unknown[]).includes(value))
    out.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) out.push(`${at}: below minimum`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) out.push(`${at}: above maximum`);
  }
  if (typeof value === 'string') {
    if (typeof schema['maxLength'] === 'number' && value.length > schema['maxLength'])
      out.push(`${at}: longer than maxLength`);
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern']).test(value))
      out.push(`${at}: does not match ${schema['pattern']}`);
    if (schema['format'] === 'date-time' && Number.isNaN(Date.parse(value))) out.push(`${at}: not a date-time`);
  }
  if (Array.isArray(value)) {
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems'])
      out.push(`${at}: more than maxItems`);
    if (schema['items'])
      value.forEach((v, i) => out.push(...schemaProblems(v, schema['items'] as Schema, doc, `${at}[${i}]`)));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const r of (schema['required'] as string[] | undefined) ?? [])
      if (!(r in obj)) out.push(`${at}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) out.push(...schemaProblems(v, props[k], doc, `${at}.${k}`));
      else if (schema['additionalProperties'] === false) out.push(`${at}.${k}: not allowed`);
      else if (schema['additionalProperties'] && typeof schema['additionalProperties'] === 'object') {
        out.push(...schemaProblems(v, schema['additionalProperties'] as Schema, doc, `${at}.${k}`));
      }
    }
  }
  return out;
}
