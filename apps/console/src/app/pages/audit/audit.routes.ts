import { Routes } from '@angular/router';

import { PageRouteData } from '../../core/navigation/pages';
import { PagePlaceholder } from '../../shared/page-placeholder/page-placeholder';

export const auditRoutes: Routes = [
  {
    path: '',
    component: PagePlaceholder,
    data: { page: 'audit' } satisfies PageRouteData,
  },
];
