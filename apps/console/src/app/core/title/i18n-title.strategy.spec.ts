import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Title } from '@angular/platform-browser';
import { TitleStrategy, provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';

import { I18nService } from '../i18n/i18n.service';
import { PageRouteData } from '../navigation/pages';
import { I18nTitleStrategy } from './i18n-title.strategy';

@Component({ template: '' })
class BlankPage {}

describe('I18nTitleStrategy', () => {
  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([
          {
            path: 'logs',
            component: BlankPage,
            data: { page: 'logs' } satisfies PageRouteData,
          },
          { path: 'elsewhere', component: BlankPage },
        ]),
        { provide: TitleStrategy, useClass: I18nTitleStrategy },
      ],
    });
  });

  afterEach(() => localStorage.clear());

  it('names the page and the product, and follows a language switch', async () => {
    const harness = await RouterTestingHarness.create('/logs');
    const title = TestBed.inject(Title);
    expect(title.getTitle()).toBe('Logs · Sentinel');

    TestBed.inject(I18nService).use('zh-CN');
    await harness.fixture.whenStable();

    expect(title.getTitle()).toBe('日志 · Sentinel');
  });

  it('falls back to the product name on routes without a page', async () => {
    await RouterTestingHarness.create('/elsewhere');

    expect(TestBed.inject(Title).getTitle()).toBe('Sentinel');
  });
});
