/** The report opened in a real browser (Debian chromium via puppeteer-core) with request interception: a
 * self-contained page makes no request at all beyond itself. With CI=true a missing browser fails the run. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import puppeteer from 'puppeteer-core';
import { DEFAULT_MODEL_DIR } from '../../src/paths';
import { renderHtml } from '../../src/report/html';
import type { ValidationReport } from '../../src/report/types';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const CI = process.env.CI === 'true';

if (!CHROMIUM && !CI) {
  // Local runs without a browser: said out loud, and CI (where it must exist) never gets here.
  console.warn('report browser test skipped: no chromium (install Debian chromium or set CHROMIUM_PATH)');
}

(CHROMIUM || CI ? describe : describe.skip)('validation report in a browser', () => {
  it('opens offline, requests nothing beyond the page, and shows every plot', async () => {
    if (!CHROMIUM) throw new Error('CI=true and no chromium found: the report browser test cannot run');
    const report = JSON.parse(readFileSync(path.join(DEFAULT_MODEL_DIR, 'reports', 'internal', 'report.json'), 'utf8')) as ValidationReport;
    const dir = mkdtempSync(path.join(tmpdir(), 'lamo-report-browser-'));
    const file = path.join(dir, 'index.html');
    writeFileSync(file, await renderHtml(report));
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        requests.push(request.url());
        if (request.url() === pathToFileURL(file).href) void request.continue();
        else void request.abort();
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(requests).toEqual([pathToFileURL(file).href]);
      const plots = await page.$$eval('figure.plot', (figures) =>
        figures.map((f) => ({ svgs: f.querySelectorAll('svg').length, marks: f.querySelectorAll('.role-mark path, .role-mark line').length, caption: f.querySelector('figcaption')?.textContent ?? '' })),
      );
      expect(plots.length).toBe(7);
      for (const plot of plots) {
        expect(plot.svgs).toBe(1);
        expect(plot.marks).toBeGreaterThan(0);
        expect(plot.caption.length).toBeGreaterThan(20);
      }
      // Nothing wider than the page at 1200 px.
      await page.setViewport({ width: 1200, height: 900 });
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
