/** The console's pages, in navigation order. Each has a lazy `pages/<id>/<id>.routes.ts`. */
export const PAGE_IDS = ['dashboard', 'bindings', 'logs', 'settings', 'audit', 'accounts'] as const;

export type PageId = (typeof PAGE_IDS)[number];

/** Route `data` of a page's root route; drives the navigation and the document title. */
export interface PageRouteData {
  readonly page: PageId;
}

export function isPageId(value: unknown): value is PageId {
  return typeof value === 'string' && (PAGE_IDS as readonly string[]).includes(value);
}
