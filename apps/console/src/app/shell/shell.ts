import { BreakpointObserver, Breakpoints } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, computed, inject, linkedSignal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatListModule } from '@angular/material/list';
import { MatMenuModule } from '@angular/material/menu';
import { MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AccountStore, AuthApi, LOGIN_PATH } from '@sentinel/admin-client';
import { map } from 'rxjs';

import { I18nService } from '../core/i18n/i18n.service';
import { ThemeService } from '../core/theme/theme.service';
import { Icon } from '../shared/icon/icon';
import { ToastService } from '../shared/toast/toast.service';
import { NAV_ITEMS } from './nav-items';

/**
 * The console frame: toolbar (product name, theme toggle, language menu), side navigation and the
 * routed page. On handsets the side nav becomes a closed-by-default overlay that closes again after
 * a navigation; on larger screens it sits beside the content and can be collapsed.
 */
@Component({
  selector: 'app-shell',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    Icon,
    MatButtonModule,
    MatListModule,
    MatMenuModule,
    MatSidenavModule,
    MatToolbarModule,
    MatTooltipModule,
    RouterLink,
    RouterLinkActive,
    RouterOutlet,
  ],
  templateUrl: './shell.html',
  styleUrl: './shell.scss',
})
export class Shell {
  protected readonly theme = inject(ThemeService);
  protected readonly i18n = inject(I18nService);
  protected readonly t = this.i18n.messages;
  protected readonly navItems = NAV_ITEMS;

  protected readonly isHandset = toSignal(
    inject(BreakpointObserver)
      .observe(Breakpoints.Handset)
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );

  /**
   * Open beside the content on larger screens, closed on handsets; reset when the layout changes.
   * The drawer only reports closes back (backdrop click, Escape): its asynchronous `openedChange`
   * could otherwise replay a stale "opened" after a layout change has closed it.
   */
  protected readonly navOpened = linkedSignal(() => !this.isHandset());

  protected readonly themeToggleLabel = computed(() =>
    this.theme.isDark() ? this.t().shell.switchToLight : this.t().shell.switchToDark,
  );

  protected readonly currentLanguageName = computed(
    () => this.i18n.languages.find((language) => language.id === this.i18n.language())?.nativeName ?? '',
  );

  protected readonly account = inject(AccountStore);
  private readonly auth = inject(AuthApi);
  private readonly router = inject(Router);
  private readonly toast = inject(ToastService);

  constructor() {
    // Who is signed in, fresh from the server (a role may have changed since the sign-in).
    this.auth.me().subscribe({ error: () => undefined });
  }

  protected logout(): void {
    this.auth.logout();
    this.toast.success(this.t().auth.loggedOut);
    void this.router.navigateByUrl(LOGIN_PATH);
  }

  protected toggleNav(): void {
    this.navOpened.update((opened) => !opened);
  }

  protected onNavigate(): void {
    if (this.isHandset()) {
      this.navOpened.set(false);
    }
  }
}
