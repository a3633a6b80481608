import { Routes } from '@angular/router';

import { providePaginatorIntl } from '../../core/i18n/paginator-intl';
import { PageRouteData } from '../../core/navigation/pages';

export const logsRoutes: Routes = [
  {
    path: '',
    loadComponent: () => import('./logs').then((m) => m.Logs),
    data: { page: 'logs' } satisfies PageRouteData,
    providers: [providePaginatorIntl()],
  },
];
