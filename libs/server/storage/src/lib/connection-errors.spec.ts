import { isConnectionLost } from './connection-errors';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isConnectionLost', () => {
  it.each([
    ['a reset socket', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a broken pipe', withCode('write EPIPE', 'EPIPE')],
    ['pg: terminated', new Error('Connection terminated unexpectedly')],
    ['pg: a client that already failed', new Error('Client has encountered a connection error and is not queryable')],
    ['SQLSTATE 57P01', withCode('terminating connection due to administrator command', '57P01')],
    ['SQLSTATE 08006', withCode('connection failure', '08006')],
  ])('%s counts as a lost connection', (_name, e) => {
    expect(isConnectionLost(e)).toBe(true);
  });

  it.each([
    ['a refused connection (the database is down)', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a timeout (the database is slow)', new Error('Query read timeout')],
    ['a constraint violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['not an Error', 'ECONNRESET'],
  ])('%s does not', (_name, e) => {
    expect(isConnectionLost(e)).toBe(false);
  });
});
