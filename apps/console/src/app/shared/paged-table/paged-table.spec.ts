import { HttpErrorResponse } from '@angular/common/http';
import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { PageEvent } from '@angular/material/paginator';

import { PagedTable } from './paged-table';

@Component({
  imports: [PagedTable],
  template: `
    <app-paged-table
      [source]="state"
      emptyText="Nothing here."
      testId="things"
      [pageIndex]="1"
      [pageSize]="25"
      (page)="pages.push($event)"
      (retry)="retries = retries + 1"
    >
      <table data-testid="projected"></table>
    </app-paged-table>
  `,
})
class Host {
  readonly state = {
    loading: signal(false),
    error: signal<unknown>(null),
    total: signal(0),
  };
  readonly pages: PageEvent[] = [];
  retries = 0;
}

describe('PagedTable', () => {
  beforeEach(() => {
    jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
    localStorage.clear();
  });

  afterEach(() => jest.restoreAllMocks());

  async function render() {
    const fixture = TestBed.createComponent(Host);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const q = (testId: string) => el.querySelector(`[data-testid="${testId}"]`);
    return { fixture, el, q, host: fixture.componentInstance };
  }

  it('projects the table and shows the empty state once loaded with no rows', async () => {
    const { q, el } = await render();
    expect(q('projected')).not.toBeNull();
    expect(q('things-empty')?.textContent?.trim()).toBe('Nothing here.');
    expect(q('things-error')).toBeNull();
    expect(el.querySelector('mat-progress-bar')).toBeNull();
  });

  it('shows the loading bar and no empty state while a page loads', async () => {
    const { q, el, host, fixture } = await render();
    host.state.loading.set(true);
    await fixture.whenStable();
    expect(el.querySelector('mat-progress-bar')?.getAttribute('aria-label')).toBe('Loading…');
    expect(q('things-empty')).toBeNull();
  });

  it('shows the error with a retry that the page handles', async () => {
    const { q, host, fixture } = await render();
    host.state.error.set(new HttpErrorResponse({ status: 0 }));
    await fixture.whenStable();
    const error = q('things-error');
    expect(error?.getAttribute('role')).toBe('alert');
    expect(error?.textContent).toContain('The admin API cannot be reached.');
    expect(q('things-empty')).toBeNull();
    error?.querySelector('button')?.click();
    expect(host.retries).toBe(1);
  });

  it('pages with the given index and size, and reports page changes', async () => {
    const { el, host, fixture } = await render();
    host.state.total.set(120);
    await fixture.whenStable();
    expect(el.querySelector('.mat-mdc-paginator-range-label')?.textContent?.trim()).toBe('26 – 50 of 120');
    el.querySelector<HTMLButtonElement>('button[aria-label="Next page"]')?.click();
    expect(host.pages).toEqual([expect.objectContaining({ pageIndex: 2, pageSize: 25, previousPageIndex: 1 })]);
  });
});
