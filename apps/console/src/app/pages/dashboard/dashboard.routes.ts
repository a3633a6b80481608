import { Routes } from '@angular/router';

import { PageRouteData } from '../../core/navigation/pages';

export const dashboardRoutes: Routes = [
  {
    path: '',
    loadComponent: () => import('./dashboard').then((m) => m.Dashboard),
    data: { page: 'dashboard' } satisfies PageRouteData,
  },
];
