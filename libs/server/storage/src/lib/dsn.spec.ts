import { parse } from 'pg-connection-string';
import { normalisePgDsn, redactDsn } from './dsn';

describe('normalisePgDsn', () => {
  it.each([
    ['postgresql://u:p@db:5432/sentinel', 'postgresql://u:p@db:5432/sentinel'],
    ['postgres://u:p@db/sentinel', 'postgresql://u:p@db/sentinel'],
    [
      'postgresql+asyncpg://sentinel:password@postgres:5432/sentinel',
      'postgresql://sentinel:password@postgres:5432/sentinel',
    ],
    ['POSTGRESQL+ASYNCPG://u@h/db', 'postgresql://u@h/db'],
    ['  postgresql://u@h/db\n', 'postgresql://u@h/db'],
    ['postgresql://u@h', 'postgresql://u@h'],
    ['postgresql://u:p@[::1]:5432/db', 'postgresql://u:p@[::1]:5432/db'],
    ['postgresql:///db?host=/var/run/postgresql', 'postgresql:///db?host=/var/run/postgresql'],
  ])('%j → %j', (input, expected) => {
    expect(normalisePgDsn(input)).toBe(expected);
  });

  it('keeps user, password, host, port, database and query parameters as node-postgres reads them', () => {
    const out = normalisePgDsn(
      'postgresql+asyncpg://sentinel:p%40ss%2Fw%3Ard@pg.internal:6543/sentinel_db?sslmode=verify-full&application_name=x',
    );
    expect(out).toBe(
      'postgresql://sentinel:p%40ss%2Fw%3Ard@pg.internal:6543/sentinel_db?sslmode=verify-full&application_name=x',
    );
    expect(parse(out)).toMatchObject({
      user: 'sentinel',
      password: 'p@ss/w:rd',
      host: 'pg.internal',
      port: '6543',
      database: 'sentinel_db',
      sslmode: 'verify-full',
      application_name: 'x',
    });
  });

  it("translates asyncpg's ssl=<mode> to sslmode=<mode>", () => {
    expect(normalisePgDsn('postgresql+asyncpg://u@h/db?ssl=require&x=1')).toBe(
      'postgresql://u@h/db?x=1&sslmode=require',
    );
    expect(normalisePgDsn('postgresql+asyncpg://u@h/db?ssl=disable')).toBe('postgresql://u@h/db?sslmode=disable');
    // An explicit sslmode wins; non-asyncpg URLs and non-mode values are left alone.
    expect(normalisePgDsn('postgresql+asyncpg://u@h/db?ssl=require&sslmode=disable')).toBe(
      'postgresql://u@h/db?ssl=require&sslmode=disable',
    );
    expect(normalisePgDsn('postgresql://u@h/db?ssl=true')).toBe('postgresql://u@h/db?ssl=true');
  });

  it.each([
    [''],
    ['   '],
    ['mysql://u:p@h/db'],
    ['postgresql+psycopg2://u@h/db'],
    ['http://h/db'],
    ['postgresql:/h/db'],
    ['h:5432/db'],
    ['postgresql://'],
    ['postgresql://u:p@/db'],
    ['postgresql://u@h:port/db'],
    ['postgresql://u@h:99999/db'],
    ['postgresql://u@h/db/extra'],
    ['postgresql://u@h/d b'],
  ])('rejects %j with an error naming PG_DSN', (input) => {
    expect(() => normalisePgDsn(input)).toThrow(/^PG_DSN is not a valid PostgreSQL connection URL/);
  });

  it('never puts the password into the error message', () => {
    expect(() => normalisePgDsn('postgresql://user:s3cret@h:notaport/db')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
    try {
      normalisePgDsn('postgresql://user:s3cret@h:notaport/db');
    } catch (error) {
      expect((error as Error).message).toContain('postgresql://user:***@h:notaport/db');
    }
  });
});

describe('redactDsn', () => {
  it.each([
    ['postgresql://u:secret@h/db', 'postgresql://u:***@h/db'],
    ['postgresql://u:se@cret@h/db', 'postgresql://u:***@h/db'],
    ['postgresql://u@h/db', 'postgresql://u@h/db'],
    ['postgresql://h/db', 'postgresql://h/db'],
    ['not a url', 'not a url'],
  ])('%j → %j', (input, expected) => {
    expect(redactDsn(input)).toBe(expected);
  });
});
