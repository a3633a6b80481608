import { Routes } from '@angular/router';

import { PageRouteData } from '../../core/navigation/pages';

export const settingsRoutes: Routes = [
  {
    path: '',
    loadComponent: () => import('./settings').then((m) => m.Settings),
    data: { page: 'settings' } satisfies PageRouteData,
  },
];
