/**
 * The real browser of the browser tests and the app benchmark: Debian's Chromium (scripts/test-deps.sh
 * installs it), driven by puppeteer-core (which downloads nothing). CHROME_PATH names another binary.
 * Where none is found, CI=true fails the run; elsewhere the tests say loudly that they did not run.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';
import { PROJECT_ROOT } from '../../src/paths';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | undefined {
  const named = process.env.CHROME_PATH;
  if (named) return fs.existsSync(named) ? named : undefined;
  return CANDIDATES.find((file) => fs.existsSync(file));
}

/** The binary, or why the browser tests cannot run (an error under CI=true). */
export function chromiumOrSkip(suite: string): string | undefined {
  const binary = findChromium();
  if (binary) return binary;
  const message = `${suite}: no Chromium found (set CHROME_PATH or run scripts/test-deps.sh)`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI=true does not allow skipping the browser tests`);
  console.warn(`SKIPPED ${message}`);
  return undefined;
}

export async function launchChromium(binary: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath: binary,
    headless: true,
    // The sandbox needs user namespaces, which containers and CI runners often lack.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
  });
}

/** Test artifacts (screenshots) go here; the folder is gitignored. */
export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, 'artifacts');

/** A full-page screenshot `<name>.png` and one of the first screen, `<name>-top.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}-top.png`) as `${string}.png` });
  return file;
}

/** Every request the page makes is let through only to `allowed` origins; the others are aborted and listed. */
export async function guardRequests(page: Page, allowed: readonly string[]): Promise<{ seen: string[]; blocked: string[] }> {
  const seen: string[] = [];
  const blocked: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return void request.continue();
    const origin = new URL(url).origin;
    if (allowed.includes(origin)) {
      seen.push(url);
      void request.continue();
    } else {
      blocked.push(url);
      void request.abort();
    }
  });
  return { seen, blocked };
}

/** axe-core's WCAG 2.x A/AA rules on the current page (evaluated through DevTools, so the page's CSP allows it). */
export async function axeViolations(page: Page): Promise<{ id: string; impact?: string | null; nodes: number; help: string }[]> {
  const source = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  // A string, evaluated in the page: this project's TypeScript has no DOM library.
  return (await page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help })))`)) as {
    id: string;
    impact?: string | null;
    nodes: number;
    help: string;
  }[];
}

/** How far the page is wider than the viewport (0: no horizontal overflow). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
}
