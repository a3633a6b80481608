import { PAGE_IDS, PageId } from '../core/navigation/pages';
import { IconName } from '../shared/icon/icon-paths';

export interface NavItem {
  readonly page: PageId;
  readonly path: `/${PageId}`;
  readonly icon: IconName;
}

const ICONS: Readonly<Record<PageId, IconName>> = {
  dashboard: 'dashboard',
  bindings: 'link',
  logs: 'list',
  settings: 'settings',
  audit: 'history',
  accounts: 'person',
};

export const NAV_ITEMS: readonly NavItem[] = PAGE_IDS.map((page) => ({
  page,
  path: `/${page}`,
  icon: ICONS[page],
}));
