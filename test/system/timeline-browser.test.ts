import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bandOf } from '../../src/app/renewal-report.js';
import { calendarDate } from '../../src/core/expiry.js';
import { runCli } from '../helpers/cli.js';
import { makeFleetStore } from '../helpers/fleet-store.js';
import { requireTool } from '../helpers/require-tool.js';
import { useTmpDirs } from '../helpers/tmp.js';

/**
 * The timeline page in a real headless Chromium (Debian's `chromium`; playwright-core drives it and
 * downloads nothing): every item present with the colour of its days left, no console error, no
 * request leaving the file, readable on a phone, printable. Screenshots are kept in test-artifacts/timeline/.
 */
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/timeline/', import.meta.url));
const tmp = useTmpDirs();
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  const executablePath = requireTool('chromium', 'chromium');
  mkdirSync(ARTIFACTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'pbx-agent-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
});

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

interface Loaded {
  readonly page: Page;
  readonly problems: string[];
  readonly requests: string[];
}

async function open(file: string, viewport = { width: 1280, height: 900 }): Promise<Loaded> {
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' || m.type() === 'warning' ? problems.push(`${m.type()}: ${m.text()}`) : undefined));
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, problems, requests };
}

interface DomRow {
  readonly deployment: string;
  readonly item: string;
  readonly daysLeft: string;
  readonly barClass: string;
  readonly colour: string;
}

/**
 * What the page's callbacks touch, run inside the browser. The project compiles without the DOM library
 * (it is a Node program), so these few shapes are spelled out here.
 */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly className: string;
  readonly textContent: string | null;
  closest(selector: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
}
interface PageWindow {
  readonly innerWidth: number;
  readonly document: { readonly documentElement: { readonly scrollWidth: number } };
  getComputedStyle(element: PageElement): { readonly backgroundColor: string };
}

async function rows(page: Page): Promise<DomRow[]> {
  return page.$$eval('section.deployment .row', (list) =>
    (list as unknown as PageElement[]).map((row) => {
      const bar = row.querySelector('.bar')!;
      return {
        deployment: row.closest('section')?.dataset.deployment ?? '',
        item: row.dataset.item ?? '',
        daysLeft: row.dataset.daysLeft ?? '',
        barClass: bar.className,
        colour: (globalThis as unknown as PageWindow).getComputedStyle(bar).backgroundColor,
      };
    }),
  );
}

const COLOURS: Record<string, string> = { expired: 'rgb(179, 38, 30)', 'within-30': 'rgb(232, 113, 10)', 'within-90': 'rgb(212, 166, 0)', later: 'rgb(46, 125, 50)' };

/** Every item of the store (from `report --json`) is on the page, its bar coloured by its days left. */
async function expectEveryItem(page: Page, config: string): Promise<number> {
  const report = JSON.parse((await runCli(['report', '--json', '--config', config])).stdout) as { deployments: Array<{ deploymentId: string; items: Array<{ item: string; daysLeft: number | null }> }> };
  const expected = report.deployments.flatMap((d) => d.items.map((i) => `${d.deploymentId} ${i.item} ${i.daysLeft ?? ''}`));
  const found = await rows(page);

  expect(found.map((r) => `${r.deployment} ${r.item} ${r.daysLeft}`).sort()).toEqual(expected.sort());
  for (const r of found) {
    const band = bandOf(r.daysLeft === '' ? null : Number(r.daysLeft));
    expect(r.barClass.split(' ')).toContain(band);
    if (band !== 'never') expect(r.colour, `${r.deployment} ${r.item}`).toBe(COLOURS[band]);
  }
  return found.length;
}

describe('the timeline page in headless Chromium', () => {
  it("the sandbox's page: every item in the colour of its days left, no console error, no request, phone-sized and printable", async () => {
    const dir = join(tmp(), 'sandbox');
    expect((await runCli(['sandbox', 'init', dir])).code).toBe(0);
    const config = join(dir, 'agent.json');
    const file = join(dir, 'timeline.html');
    expect((await runCli(['report', '--html', file, '--config', config])).code).toBe(0);

    const { page, problems, requests } = await open(file);
    const count = await expectEveryItem(page, config);
    await page.screenshot({ path: join(ARTIFACTS, 'sandbox-desktop.png'), fullPage: true });
    const cards = await page.$$eval('[data-figure]', (list) => (list as unknown as PageElement[]).map((c) => `${c.dataset.figure}=${c.querySelector('b')!.textContent}`));
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => {
      const win = globalThis as unknown as PageWindow;
      return win.document.documentElement.scrollWidth - win.innerWidth;
    });
    await page.screenshot({ path: join(ARTIFACTS, 'sandbox-phone.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ path: join(ARTIFACTS, 'sandbox-print.pdf'), format: 'A4', landscape: true, printBackground: true });
    await page.close();

    expect(count).toBe(11);
    expect(cards).toEqual(['expired=1', 'within-30=2', 'within-90=5', 'deployments=1', 'items=11']);
    expect(problems).toEqual([]);
    expect(requests).toEqual([`file://${file}`]);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('a 200-host fleet store: every host and item, no console error', async () => {
    const dir = tmp();
    const today = calendarDate(new Date());
    makeFleetStore(join(dir, 'agent.db'), 200, today).close();
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ store: { path: join(dir, 'agent.db') } }));
    const file = join(dir, 'timeline.html');
    expect((await runCli(['report', '--html', file, '--config', config])).code).toBe(0);

    const { page, problems, requests } = await open(file, { width: 1280, height: 2400 });
    const count = await expectEveryItem(page, config);
    const hosts = await page.$$eval('section.deployment', (list) => list.length);
    const renewals = await page.$$eval('.renewal', (list) => list.length);
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-200-overview.png') });
    await page.locator('section.deployment').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'fleet-200-timelines.png') });
    await page.close();

    expect(hosts).toBe(200);
    expect(count).toBe(200 * 22);
    expect(renewals).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
    expect(requests).toEqual([`file://${file}`]);
    expect(readFileSync(file, 'utf8')).not.toMatch(/<script/i);
  });
});
