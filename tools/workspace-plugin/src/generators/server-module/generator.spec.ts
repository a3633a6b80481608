import { readJson, readProjectConfiguration, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { serverModuleGenerator } from './generator';

function withE2eProject(tree: Tree): Tree {
  tree.write(
    'apps/sentinel-e2e/project.json',
    JSON.stringify({ name: 'sentinel-e2e', root: 'apps/sentinel-e2e', tags: ['scope:server', 'type:e2e'] }),
  );
  return tree;
}

describe('server-module generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = withE2eProject(createTreeWithEmptyWorkspace());
  });

  it('creates a tagged library with module, service, unit test and configs', async () => {
    await serverModuleGenerator(tree, { name: 'usage-report' });
    const root = 'libs/server/usage-report';
    const project = readProjectConfiguration(tree, 'server-usage-report');
    expect(project.root).toBe(root);
    expect(project.tags).toEqual(['scope:server', 'type:feature']);
    expect(project.targets?.['test']?.options.jestConfig).toBe(`${root}/jest.config.cts`);
    for (const f of [
      'README.md',
      'eslint.config.mjs',
      'jest.config.cts',
      'tsconfig.json',
      'tsconfig.lib.json',
      'tsconfig.spec.json',
      'src/index.ts',
      'src/lib/usage-report.module.ts',
      'src/lib/usage-report.service.ts',
      'src/lib/usage-report.service.spec.ts',
    ]) {
      expect(tree.exists(`${root}/${f}`)).toBe(true);
    }
    // No template leftovers in names or contents.
    const files = tree.listChanges().map((c) => c.path);
    expect(files.filter((p) => /__|\.tmpl|template/.test(p))).toEqual([]);
    for (const p of files) expect(tree.read(p, 'utf-8')).not.toMatch(/<%|%>/);

    const module = tree.read(`${root}/src/lib/usage-report.module.ts`, 'utf-8') ?? '';
    expect(module).toContain('export class UsageReportModule {}');
    expect(tree.read(`${root}/src/index.ts`, 'utf-8')).toContain("export * from './lib/usage-report.module';");
    expect(readJson(tree, `${root}/tsconfig.json`).extends).toBe('../../../tsconfig.base.json');
    expect(tree.read(`${root}/jest.config.cts`, 'utf-8')).toContain("preset: '../../../jest.preset.js'");
  });

  it('adds the @sentinel/server-<name> path alias', async () => {
    await serverModuleGenerator(tree, { name: 'quota' });
    expect(readJson(tree, 'tsconfig.base.json').compilerOptions.paths['@sentinel/server-quota']).toEqual([
      './libs/server/quota/src/index.ts',
    ]);
  });

  it('adds an e2e stub to apps/sentinel-e2e unless --e2e=false', async () => {
    await serverModuleGenerator(tree, { name: 'quota' });
    const stub = tree.read('apps/sentinel-e2e/src/quota/quota.e2e.ts', 'utf-8') ?? '';
    expect(stub).toContain("describe('quota module (e2e)'");
    expect(stub).toContain("from '../support/sentinel-process'");

    await serverModuleGenerator(tree, { name: 'other', e2e: false });
    expect(tree.exists('apps/sentinel-e2e/src/other')).toBe(false);
  });

  it('takes the layer tag from --type', async () => {
    await serverModuleGenerator(tree, { name: 'quota-store', type: 'data-access' });
    expect(readProjectConfiguration(tree, 'server-quota-store').tags).toEqual(['scope:server', 'type:data-access']);
  });

  it.each(['Quota', 'quota_store', '1quota', 'quota-', '../x', ''])('refuses the name %j', async (name) => {
    await expect(serverModuleGenerator(tree, { name })).rejects.toThrow(/kebab-case/);
    expect(tree.exists('libs/server')).toBe(false);
  });

  it('refuses an unknown --type and an existing module', async () => {
    await expect(serverModuleGenerator(tree, { name: 'x', type: 'app' as never })).rejects.toThrow(/--type/);
    await serverModuleGenerator(tree, { name: 'quota' });
    await expect(serverModuleGenerator(tree, { name: 'quota' })).rejects.toThrow(/already exists/);
  });
});
