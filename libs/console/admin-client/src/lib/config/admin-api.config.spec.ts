import { TestBed } from '@angular/core/testing';

import { ADMIN_API_CONFIG, isAdminApiUrl, normalizeBaseUrl } from './admin-api.config';
import { provideAdminClient } from './provide-admin-client';

describe('admin API config', () => {
  it('defaults to /admin/api without provideAdminClient()', () => {
    expect(TestBed.inject(ADMIN_API_CONFIG)).toEqual({ baseUrl: '/admin/api' });
  });

  it('provideAdminClient() normalises the base URL', () => {
    TestBed.configureTestingModule({
      providers: [provideAdminClient({ baseUrl: '/sentinel/admin/api//' })],
    });

    expect(TestBed.inject(ADMIN_API_CONFIG)).toEqual({
      baseUrl: '/sentinel/admin/api',
    });
  });

  it('rejects an empty base URL', () => {
    expect(() => normalizeBaseUrl(' / ')).toThrow(/baseUrl must name a path/);
  });

  it.each([
    ['/admin/api', true],
    ['/admin/api/', true],
    ['/admin/api/bindings/42', true],
    ['/admin/api?x=1', true],
    ['/admin/apix', false],
    ['/admin/api-docs', false],
    ['/admin', false],
    ['/v1/admin/api', false],
  ])('isAdminApiUrl(%s) is %s', (url, expected) => {
    expect(isAdminApiUrl(url, '/admin/api')).toBe(expected);
  });
});
