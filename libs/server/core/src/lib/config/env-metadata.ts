/**
 * What each environment variable means, declared beside its validation rules in env.schema.ts
 * (`@EnvVariable({...})` on the property). The README's configuration table and `.env.example`
 * are generated from these declarations by `node tools/docs/config-docs.mjs` (CI runs it with
 * `--check`), so a variable is added, documented and given its example value in one place.
 * The model is twenty's `ConfigVariablesMetadata`.
 */

/** The groups, in the order the README table and `.env.example` list them. */
export const ENV_GROUPS = {
  traffic: { title: 'where traffic goes' },
  storage: { title: 'storage' },
  secrets: { title: 'secrets (required when NODE_ENV=production; at least 32 bytes)' },
  clientIp: { title: 'client IP' },
  behaviour: { title: 'behaviour (defaults for the live runtime settings)' },
  operations: { title: 'operations' },
  sso: { title: 'single sign-on (OpenID Connect; optional, all four of issuer, client id, secret, redirect)' },
} as const satisfies Record<string, { readonly title: string }>;
export type EnvGroup = keyof typeof ENV_GROUPS;

/** The opening comment of the generated `.env.example`. */
export const ENV_EXAMPLE_PREAMBLE: readonly string[] = [
  'Sentinel configuration. Copy to .env and replace every placeholder.',
  "Names and meanings are the same as the Python Key-IP Sentinel's; an old .env keeps working.",
  'With no .env at all (quick start), secrets are generated once into DATA_DIR/secrets.json.',
];

export interface EnvVariableMetadata {
  readonly group: EnvGroup;
  /** What the variable means, in Markdown: the README table's "Meaning" column. */
  readonly description: string;
  /** A secret (a password, a key, or a value that embeds one): never logged or shown. */
  readonly secret?: boolean;
  /** The default is also the initial value of a live runtime setting (changeable in the console). */
  readonly live?: boolean;
  /** The README's "Default" column when the value alone does not say it (`unset: in-process`). */
  readonly defaultLabel?: string;
  /** Read by docker-compose.yml, not by Sentinel (documented here so there is one list). */
  readonly composeOnly?: boolean;
  /**
   * `.env.example`: the value to ship (the compose topology's, or a `replace-with-…` placeholder;
   * default: the variable's default) and the comment lines above it (default: the description
   * without Markdown).
   */
  readonly example?: { readonly value?: string; readonly comment?: readonly string[] };
}

export interface EnvVariableDeclaration extends EnvVariableMetadata {
  readonly name: string;
}

const declarations: EnvVariableDeclaration[] = [];

/** Declares the meaning of an environment variable; put it on the property in env.schema.ts. */
export function EnvVariable(metadata: EnvVariableMetadata): PropertyDecorator {
  return (_target, propertyKey) => {
    const name = String(propertyKey);
    if (declarations.some((d) => d.name === name)) throw new Error(`${name} is declared twice`);
    declarations.push({ name, ...metadata });
  };
}

/** Every declaration, in the order of the properties in env.schema.ts. */
export function envVariableDeclarations(): readonly EnvVariableDeclaration[] {
  return declarations;
}
