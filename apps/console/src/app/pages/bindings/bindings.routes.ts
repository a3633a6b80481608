import { Routes } from '@angular/router';

import { providePaginatorIntl } from '../../core/i18n/paginator-intl';
import { PageRouteData } from '../../core/navigation/pages';

export const bindingsRoutes: Routes = [
  {
    path: '',
    data: { page: 'bindings' } satisfies PageRouteData,
    providers: [providePaginatorIntl()],
    children: [
      {
        path: '',
        loadComponent: () => import('./bindings').then((m) => m.Bindings),
      },
      {
        path: ':id',
        loadComponent: () => import('./binding-detail').then((m) => m.BindingDetail),
      },
    ],
  },
];
