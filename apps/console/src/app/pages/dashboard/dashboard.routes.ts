import { Routes } from '@angular/router';

import { PageRouteData } from '../../core/navigation/pages';
import { PagePlaceholder } from '../../shared/page-placeholder/page-placeholder';

export const dashboardRoutes: Routes = [
  {
    path: '',
    component: PagePlaceholder,
    data: { page: 'dashboard' } satisfies PageRouteData,
  },
];
