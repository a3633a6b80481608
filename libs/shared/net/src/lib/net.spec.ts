import { net } from './net';

describe('net', () => {
  it('should work', () => {
    expect(net()).toEqual('net');
  });
});
