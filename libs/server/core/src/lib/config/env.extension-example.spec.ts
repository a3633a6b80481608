import { IsInt, Max, Min } from 'class-validator';
import { renderConfigTable, renderEnvExample } from './env-docs';
import { EnvVariable, envVariableDeclarations } from './env-metadata';
import { ENV_VARIABLES, EnvironmentVariables, type EnvVariableDescription } from './env.schema';

/**
 * Worked example for docs/extending.md, "A new environment variable": one property with its
 * validation, its default and its `@EnvVariable` declaration is all a variable needs; the README
 * table and `.env.example` follow from it. (Declared on a subclass here so the real schema stays
 * as it is; in a real change the property goes into EnvironmentVariables itself.)
 */
class WithWebsocketLimit extends EnvironmentVariables {
  @EnvVariable({
    group: 'traffic',
    description: 'Websocket connections one client address may hold open at once.',
    example: { comment: ['Open websockets per client address.'] },
  })
  @IsInt()
  @Min(1)
  @Max(10_000)
  WS_MAX_PER_IP = 16;
}

describe('a new environment variable (extension example)', () => {
  const declared = envVariableDeclarations().find((d) => d.name === 'WS_MAX_PER_IP');
  if (declared === undefined) throw new Error('the decorator did not register WS_MAX_PER_IP');
  const vars: EnvVariableDescription[] = [
    ...ENV_VARIABLES,
    { ...declared, default: new WithWebsocketLimit().WS_MAX_PER_IP },
  ];

  it('is registered by its decorator alone', () => {
    expect(declared).toMatchObject({ group: 'traffic', name: 'WS_MAX_PER_IP' });
  });

  it('gets a README row with its default in its group', () => {
    const table = renderConfigTable(vars);
    const row = '| `WS_MAX_PER_IP` | `16` | Websocket connections one client address may hold open at once. |';
    expect(table).toContain(row);
    const lines = table.split('\n');
    const groupStart = lines.indexOf('| **where traffic goes** | | |');
    const nextGroup = lines.findIndex((l, i) => i > groupStart && l.startsWith('| **'));
    expect(lines.indexOf(row)).toBeGreaterThan(groupStart);
    expect(lines.indexOf(row)).toBeLessThan(nextGroup);
  });

  it('gets a commented line in .env.example', () => {
    expect(renderEnvExample(vars)).toContain('# Open websockets per client address.\nWS_MAX_PER_IP=16\n');
  });
});
