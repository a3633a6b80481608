import { PageId } from '../../navigation/pages';

export interface PageMessages {
  readonly title: string;
  readonly summary: string;
}

/**
 * Every visible string of the console. Each dictionary implements this interface, so a missing
 * translation is a compile error, and templates read `t().section.key` under `strictTemplates`.
 */
export interface Messages {
  readonly app: {
    readonly name: string;
  };
  readonly shell: {
    readonly navLabel: string;
    readonly toggleNav: string;
    readonly switchToDark: string;
    readonly switchToLight: string;
    readonly language: string;
  };
  readonly pages: Readonly<Record<PageId, PageMessages>>;
  readonly placeholder: {
    readonly comingSoon: string;
  };
}
