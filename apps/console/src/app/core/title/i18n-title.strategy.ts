import { Injectable, effect, inject, signal } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { ActivatedRouteSnapshot, RouterStateSnapshot, TitleStrategy } from '@angular/router';

import { I18nService } from '../i18n/i18n.service';
import { PageId, isPageId } from '../navigation/pages';

/**
 * Sets the document title to "<page> · Sentinel" in the current language. The page comes from the
 * deepest route whose `data.page` names one (see `PageRouteData`), and the title follows a language
 * switch without a navigation.
 */
@Injectable({ providedIn: 'root' })
export class I18nTitleStrategy extends TitleStrategy {
  private readonly title = inject(Title);
  private readonly i18n = inject(I18nService);
  private readonly page = signal<PageId | null>(null);

  constructor() {
    super();
    effect(() => {
      const t = this.i18n.messages();
      const page = this.page();
      this.title.setTitle(page ? `${t.pages[page].title} · ${t.app.name}` : t.app.name);
    });
  }

  override updateTitle(snapshot: RouterStateSnapshot): void {
    let page: PageId | null = null;
    for (let route: ActivatedRouteSnapshot | null = snapshot.root; route; route = route.firstChild) {
      const candidate: unknown = route.data['page'];
      if (isPageId(candidate)) {
        page = candidate;
      }
    }
    this.page.set(page);
  }
}
