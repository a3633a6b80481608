import { Routes } from '@angular/router';

import { authGuard } from './core/auth/auth.guard';
import { Shell } from './shell/shell';

/**
 * Pages render inside the shell and load lazily, one chunk per page. Routes outside the shell
 * (the login page, which `authInterceptor` sends a 401 to) go next to it at the top level.
 */
export const appRoutes: Routes = [
  {
    path: 'login',
    loadComponent: () => import('./pages/login/login').then((m) => m.Login),
  },
  {
    path: '',
    component: Shell,
    canActivate: [authGuard],
    canActivateChild: [authGuard],
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'dashboard' },
      {
        path: 'dashboard',
        loadChildren: () => import('./pages/dashboard/dashboard.routes').then((m) => m.dashboardRoutes),
      },
      {
        path: 'bindings',
        loadChildren: () => import('./pages/bindings/bindings.routes').then((m) => m.bindingsRoutes),
      },
      {
        path: 'logs',
        loadChildren: () => import('./pages/logs/logs.routes').then((m) => m.logsRoutes),
      },
      {
        path: 'settings',
        loadChildren: () => import('./pages/settings/settings.routes').then((m) => m.settingsRoutes),
      },
      {
        path: 'accounts',
        loadChildren: () => import('./pages/accounts/accounts.routes').then((m) => m.accountsRoutes),
      },
      {
        path: 'audit',
        loadChildren: () => import('./pages/audit/audit.routes').then((m) => m.auditRoutes),
      },
    ],
  },
  { path: '**', redirectTo: '' },
];
