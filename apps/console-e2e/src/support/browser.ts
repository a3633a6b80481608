import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumPath } from '@sentinel/testing-support';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

import { WORKSPACE } from './stack';

/** Where CI keeps the screenshots (git-ignored; docs/screenshots holds the README's copies). */
export const SCREENSHOTS = join(WORKSPACE, 'test-output/screenshots');
export const VIEWPORT = { width: 1280, height: 800 };

/** Debian's chromium, headless, driven by playwright-core. */
export function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A viewport screenshot without toasts and tooltips (a toast of the last action, or the tooltip of
 * the theme button the pointer still rests on, would cover the page).
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({
    path: join(SCREENSHOTS, `${name}.png`),
    animations: 'disabled',
    caret: 'hide',
    style: '.mat-mdc-snack-bar-container, .mat-mdc-tooltip-panel { visibility: hidden !important; }',
  });
}

/**
 * Waits for `target`, pressing `refresh` between short waits, for data that the server writes
 * asynchronously (daily counters, batched intercept rows). Only the overall deadline is a limit:
 * nothing here asserts how long anything takes.
 */
export async function refreshUntil(
  target: Locator,
  refresh: Locator,
  what: string,
  deadlineMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      await target.first().waitFor({ timeout: 2_000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${String(error)}`);
    }
    await refresh.click();
  }
}

/** RFC 4180 rows (quoted cells, doubled quotes, CRLF); the last empty line is dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  const endRow = () => {
    endCell();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\n') endRow();
    else if (c === '\r') {
      if (text[i + 1] === '\n') i++;
      endRow();
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) endRow();
  return rows;
}
