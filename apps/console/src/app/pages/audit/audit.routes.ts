import { Routes } from '@angular/router';

import { providePaginatorIntl } from '../../core/i18n/paginator-intl';
import { PageRouteData } from '../../core/navigation/pages';

export const auditRoutes: Routes = [
  {
    path: '',
    loadComponent: () => import('./audit').then((m) => m.Audit),
    data: { page: 'audit' } satisfies PageRouteData,
    providers: [providePaginatorIntl()],
  },
];
