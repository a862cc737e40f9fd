/** The report opened in a real browser (tests/support/browser.ts: Debian chromium via puppeteer-core) with
 * request interception: a self-contained page makes no request beyond itself. With CI=true a missing
 * browser fails the run. The page is rendered by the current code from the committed internal report.json. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { DEFAULT_MODEL_DIR } from '../../src/paths';
import { renderHtml } from '../../src/report/html';
import type { ValidationReport } from '../../src/report/types';
import { axeViolations, chromiumOrSkip, guardRequests, horizontalOverflow, launchChromium, screenshot } from '../support/browser';

const CHROMIUM = chromiumOrSkip('validation report browser test');

(CHROMIUM ? describe : describe.skip)('validation report in a browser', () => {
  it('opens offline, requests nothing beyond the page, shows every plot, no axe violations, no overflow at 1200 px', async () => {
    const report = JSON.parse(readFileSync(path.join(DEFAULT_MODEL_DIR, 'reports', 'internal', 'report.json'), 'utf8')) as ValidationReport;
    const dir = mkdtempSync(path.join(tmpdir(), 'lamo-report-browser-'));
    const file = path.join(dir, 'index.html');
    writeFileSync(file, await renderHtml(report));
    const browser = await launchChromium(CHROMIUM as string);
    try {
      const page = await browser.newPage();
      await page.setViewport({ width: 1200, height: 900 });
      // file:// URLs have the origin "null": only the page itself may load.
      const requests = await guardRequests(page, ['null']);
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(requests.blocked).toEqual([]);
      expect(requests.seen).toEqual([pathToFileURL(file).href]);
      const plots = (await page.evaluate(`[...document.querySelectorAll('figure.plot')].map((f) => ({
        svgs: f.querySelectorAll('svg').length,
        marks: f.querySelectorAll('.role-mark path, .role-mark line').length,
        caption: (f.querySelector('figcaption') || {}).textContent || '' }))`)) as { svgs: number; marks: number; caption: string }[];
      expect(plots.length).toBe(7);
      for (const plot of plots) {
        expect(plot.svgs).toBe(1);
        expect(plot.marks).toBeGreaterThan(0);
        expect(plot.caption.length).toBeGreaterThan(20);
      }
      expect(await horizontalOverflow(page)).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'validation-report.png');
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
