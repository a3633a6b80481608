import { generateFiles, joinPathFragments, names, updateJson, type Tree } from '@nx/devkit';
import { join } from 'node:path';

export interface ServerModuleSchema {
  /** kebab-case: libs/server/<name>, project server-<name>, import path @sentinel/server-<name>. */
  name: string;
  /** Layer tag (type:<type>); the scope is always scope:server. */
  type?: 'feature' | 'data-access' | 'util';
  /** Add an e2e test stub to apps/sentinel-e2e (default true). */
  e2e?: boolean;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const TYPES = ['feature', 'data-access', 'util'] as const;
export const E2E_ROOT = 'apps/sentinel-e2e';

/** Everything the generator derives from the options; exported for the tests. */
export function normalize(options: ServerModuleSchema) {
  const name = options.name.trim();
  if (!NAME.test(name))
    throw new Error(`server-module: "${options.name}" is not a kebab-case name (e.g. "quota" or "usage-report")`);
  const type = options.type ?? 'feature';
  if (!TYPES.includes(type)) throw new Error(`server-module: --type must be one of ${TYPES.join(', ')}`);
  const n = names(name);
  return {
    name,
    type,
    e2e: options.e2e ?? true,
    projectName: `server-${name}`,
    projectRoot: `libs/server/${name}`,
    importPath: `@sentinel/server-${name}`,
    className: n.className,
    propertyName: n.propertyName,
    fileName: n.fileName,
  };
}

/**
 * `nx g @sentinel/tools:server-module <name> [--type=feature|data-access|util] [--e2e=false]`
 *
 * libs/server/<name>: project.json (tags scope:server + type:<type>), tsconfigs, jest and eslint
 * configs, src/index.ts, a Nest module and service with a unit test; the path alias in
 * tsconfig.base.json; an e2e stub in apps/sentinel-e2e/src/<name>/. The module is not wired into
 * the app: import it in apps/sentinel/src/app/app.module.ts when it has something to serve.
 */
export async function serverModuleGenerator(tree: Tree, options: ServerModuleSchema): Promise<void> {
  const o = normalize(options);
  if (tree.exists(o.projectRoot)) throw new Error(`server-module: ${o.projectRoot} already exists`);
  updateJson(tree, 'tsconfig.base.json', (json) => {
    const paths: Record<string, string[]> = (json.compilerOptions.paths ??= {});
    if (paths[o.importPath]) throw new Error(`server-module: ${o.importPath} is already in tsconfig.base.json`);
    paths[o.importPath] = [`./${o.projectRoot}/src/index.ts`];
    return json;
  });
  const offset = '../../../';
  generateFiles(tree, join(__dirname, 'files'), o.projectRoot, { ...o, offset, tmpl: '' });
  if (o.e2e && tree.exists(joinPathFragments(E2E_ROOT, 'project.json'))) {
    generateFiles(tree, join(__dirname, 'e2e-files'), joinPathFragments(E2E_ROOT, 'src', o.fileName), {
      ...o,
      tmpl: '',
    });
  }
}

export default serverModuleGenerator;
