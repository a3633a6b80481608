import { Routes } from '@angular/router';

import { PageRouteData } from '../../core/navigation/pages';

export const accountsRoutes: Routes = [
  {
    path: '',
    loadComponent: () => import('./accounts').then((m) => m.Accounts),
    data: { page: 'accounts' } satisfies PageRouteData,
  },
];
