import { authInterceptor, provideAdminClient } from '@sentinel/admin-client';

import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { ApplicationConfig, inject, provideAppInitializer, provideBrowserGlobalErrorListeners } from '@angular/core';
import { TitleStrategy, provideRouter, withComponentInputBinding } from '@angular/router';

import { appRoutes } from './app.routes';
import { I18nService } from './core/i18n/i18n.service';
import { I18nTitleStrategy } from './core/title/i18n-title.strategy';
import { ThemeService } from './core/theme/theme.service';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideRouter(appRoutes, withComponentInputBinding()),
    { provide: TitleStrategy, useClass: I18nTitleStrategy },
    provideHttpClient(withFetch(), withInterceptors([authInterceptor])),
    provideAdminClient(),
    // Apply the stored theme and language (<html> class and lang) before the first render.
    provideAppInitializer(() => {
      inject(ThemeService);
      inject(I18nService);
    }),
  ],
};
