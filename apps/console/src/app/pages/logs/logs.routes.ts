import { Routes } from '@angular/router';

import { PageRouteData } from '../../core/navigation/pages';
import { PagePlaceholder } from '../../shared/page-placeholder/page-placeholder';

export const logsRoutes: Routes = [
  {
    path: '',
    component: PagePlaceholder,
    data: { page: 'logs' } satisfies PageRouteData,
  },
];
