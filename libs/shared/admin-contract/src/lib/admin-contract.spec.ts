import { adminContract } from './admin-contract';

describe('adminContract', () => {
  it('should work', () => {
    expect(adminContract()).toEqual('admin-contract');
  });
});
