import { ENV_EXAMPLE_PREAMBLE, ENV_GROUPS, type EnvGroup } from './env-metadata';
import { ENV_VARIABLES, type EnvVariableDescription } from './env.schema';

/**
 * The README's configuration table and `.env.example`, rendered from the declarations in
 * env.schema.ts. Used by `node tools/docs/config-docs.mjs` (write, or `--check` in CI); not part
 * of the server at run time.
 */

const GROUP_ORDER = Object.keys(ENV_GROUPS) as EnvGroup[];
const RULE_WIDTH = 92;

/** Variables by group (in ENV_GROUPS order), each group in declaration order. */
function grouped(vars: readonly EnvVariableDescription[]): [EnvGroup, EnvVariableDescription[]][] {
  return GROUP_ORDER.map((g) => [g, vars.filter((v) => v.group === g)] as [EnvGroup, EnvVariableDescription[]]).filter(
    ([, members]) => members.length > 0,
  );
}

function defaultCell(v: EnvVariableDescription): string {
  if (v.defaultLabel !== undefined) return `*(${v.defaultLabel})*`;
  if (v.default === undefined || v.default === '') return '*(empty)*';
  return `\`${v.default}\``;
}

function meaningCell(v: EnvVariableDescription): string {
  const parts = [v.secret ? `**Secret.** ${v.description}` : v.description];
  if (v.live) parts.push('Live setting.');
  return parts.join(' ').replace(/\|/g, '\\|');
}

/** The Markdown table: one row per variable, a bold row opening each group. */
export function renderConfigTable(vars: readonly EnvVariableDescription[] = ENV_VARIABLES): string {
  const lines = ['| Variable | Default | Meaning |', '|---|---|---|'];
  for (const [group, members] of grouped(vars)) {
    lines.push(`| **${ENV_GROUPS[group].title}** | | |`);
    for (const v of members) lines.push(`| \`${v.name}\` | ${defaultCell(v)} | ${meaningCell(v)} |`);
  }
  return lines.join('\n');
}

function plain(markdown: string): string {
  return markdown.replace(/`/g, '').replace(/\*\*/g, '');
}

/** `.env.example`: the preamble, then each group under a rule, each variable under its comment. */
export function renderEnvExample(vars: readonly EnvVariableDescription[] = ENV_VARIABLES): string {
  const out = ENV_EXAMPLE_PREAMBLE.map((l) => `# ${l}`);
  for (const [group, members] of grouped(vars)) {
    const head = `# --- ${ENV_GROUPS[group].title} `;
    out.push('', head + '-'.repeat(Math.max(3, RULE_WIDTH - head.length)));
    for (const v of members) {
      for (const c of v.example?.comment ?? [plain(v.description)]) out.push(`# ${c}`);
      out.push(`${v.name}=${v.example?.value ?? (v.default === undefined ? '' : String(v.default))}`);
    }
  }
  return out.join('\n') + '\n';
}
