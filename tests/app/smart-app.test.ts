/**
 * The SMART app in real Chromium, both launch flows end to end against the EHR stand-ins:
 * - EHR launch from a card: an order-sign hook call for a shared Synthea patient (warfarin active, ibuprofen
 *   drafted) answers with cards carrying a `smart` link; the EHR registers a launch with the link's appContext
 *   and opens the link; the app must show the same cards (the clicked one highlighted), the drafts, the
 *   ranked-candidates chart and table with the probabilities the cards quote, and the model card link.
 * - Standalone launch: the app opened with `iss` only; the patient is picked at the authorization server; the
 *   app shows that patient's active problems, medications with indications, allergies and the cards the
 *   patient-view hook answers.
 * Each page passes axe-core (WCAG 2.1 A/AA), has no horizontal overflow at 1024 px, is saved as a screenshot
 * under artifacts/, and makes no request outside the service, the FHIR server and the authorization server.
 */
import { displayName } from '../../src/fhir/display';
import type { Browser, Page } from 'puppeteer-core';
import type { Card } from '../../src/cds/types';
import { call } from '../cds/helpers';
import { axeViolations, chromiumOrSkip, guardRequests, horizontalOverflow, launchChromium, screenshot } from '../support/browser';
import { draftOrder, latestEncounterId, orderRequest, PLAIN_PATIENT, WARFARIN_PATIENT } from '../support/cds-requests';
import { fullPrefetch, startWorld, type AppWorld } from './helpers';

const chromium = chromiumOrSkip('SMART app browser tests');
const describeInBrowser = chromium ? describe : describe.skip;
// A whole launch, rendering and axe on a loaded shared machine; seconds on an idle one.
const BROWSER_TEST_MS = 300_000;

describeInBrowser('SMART app in Chromium', () => {
  let world: AppWorld;
  let browser: Browser;

  beforeAll(async () => {
    world = await startWorld();
    browser = await launchChromium(chromium as string);
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function openPage(): Promise<{ page: Page; guard: { seen: string[]; blocked: string[] } }> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1024, height: 900 });
    const allowed = [new URL(world.service.url).origin, new URL(world.ehr.fhirBase).origin, new URL(world.ehr.authBase).origin];
    const guard = await guardRequests(page, allowed);
    return { page, guard };
  }

  async function waitForApp(page: Page): Promise<void> {
    await page.waitForSelector('body[data-state]', { timeout: 180_000 });
    const state = await page.$eval('body', (b) => (b as unknown as { dataset: { state?: string } }).dataset.state);
    if (state !== 'ready') throw new Error(`the app failed: ${await page.$eval('#main', (m) => (m as unknown as { innerText: string }).innerText)}`);
  }

  const texts = (page: Page, selector: string): Promise<string[]> =>
    page.$$eval(selector, (nodes) => nodes.map((n) => ((n as unknown as { textContent: string | null }).textContent ?? '').trim()));

  async function checkUsable(page: Page, name: string): Promise<void> {
    await screenshot(page, name);
    expect(await axeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    // Keyboard: the first Tab reaches the skip link, and every link in the header can be reached.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Skip to the assessment');
  }

  /** "Model P(yes) for drug at this visit: 12% (…)" in the cards' details → drug → "12%". */
  function quotedProbabilities(cards: readonly Card[]): Map<string, string> {
    const found = new Map<string, string>();
    for (const card of cards) {
      for (const m of (card.detail ?? '').matchAll(/Model P\(yes\) for (.+?) at this visit: ([\d.]+%)/g)) found.set(m[1].replace(/\\(.)/g, '$1'), m[2]);
    }
    return found;
  }

  test('EHR launch from an order-sign card: the same cards, the drafts, the chart, the model card', async () => {
    const resources = world.patients.get(WARFARIN_PATIENT)!;
    const encounterId = latestEncounterId(resources);
    const draft = draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet', encounterId, 'draft-ibuprofen');
    const hook = await call<{ cards: Card[] }>(`${world.service.url}/cds-services/lamo-order-sign`, {
      body: orderRequest({ patientId: WARFARIN_PATIENT, encounterId, drafts: [draft], prefetch: fullPrefetch(resources, WARFARIN_PATIENT) }),
    });
    expect(hook.status).toBe(200);
    const cards = hook.body.cards;
    const interaction = cards.find((c) => c.source.topic?.code === 'drugInteraction');
    expect(interaction).toBeDefined();
    // Every card about a drug links to the app.
    for (const card of cards.filter((c) => c.source.topic?.code !== 'dataGap')) {
      expect(card.links?.some((l) => l.type === 'smart' && l.url === `${world.service.url}/app/launch.html`)).toBe(true);
    }
    const link = interaction!.links!.find((l) => l.type === 'smart')!;
    const launch = world.ehr.createLaunch({ patient: WARFARIN_PATIENT, encounter: encounterId, appContext: link.appContext });

    const { page, guard } = await openPage();
    const started = Date.now();
    await page.goto(`${link.url}?iss=${encodeURIComponent(world.ehr.fhirBase)}&launch=${launch}`);
    await waitForApp(page);
    const loadMs = Date.now() - started;

    // The same cards as the hook, in the same order; the clicked one highlighted.
    expect(await texts(page, '[data-testid=cards] .summary')).toEqual(cards.map((c) => c.summary));
    expect(await texts(page, '[data-testid=cards] [aria-current=true] .summary')).toEqual([interaction!.summary]);
    expect(await texts(page, '[data-testid=launch-card]')).toEqual([interaction!.summary]);
    expect((await texts(page, '[data-testid=draft]')).join(' ')).toContain('Ibuprofen 200 MG Oral Tablet');
    // The probabilities the cards quote are the ones the chart's table shows.
    // (Only cards about the model's judgement quote one; safety-only answers quote none.)
    const quoted = quotedProbabilities(cards);
    expect(await texts(page, 'tr[data-candidate="ibuprofen"] [data-testid=p]')).toEqual([expect.stringMatching(/^\d+(\.\d)?%$/)]);
    for (const [drug, p] of quoted) {
      expect(await texts(page, `tr[data-candidate="${drug}"] [data-testid=p]`)).toEqual([p]);
    }
    // The drafted drug's row is highlighted and carries the interaction with warfarin.
    const ibuprofenRow = await page.$eval('tr[data-candidate="ibuprofen"]', (r) => ({ cls: (r as unknown as { className: string }).className, text: (r as unknown as { textContent: string }).textContent }));
    expect(ibuprofenRow.cls).toContain('highlight');
    expect(ibuprofenRow.text).toMatch(/Interacts with warfarin/i);
    // … and only the pair's rows: another candidate's safety column names its own findings, not the drafts'.
    const otherRows = await texts(page, 'tr[data-candidate]:not([data-candidate="ibuprofen"]):not([data-candidate="warfarin"])');
    expect(otherRows.filter((text) => text.includes('warfarin + ibuprofen'))).toEqual([]);
    // The chart: one bar and one threshold tick per candidate, drawn as SVG; vega names it with the spec's description.
    const rows = (await texts(page, '[data-testid=candidates] tbody tr')).length;
    expect(rows).toBeGreaterThan(50);
    expect(await page.$$eval('[data-testid=chart] svg .mark-rect path', (n) => n.length)).toBe(2 * rows);
    // Ranked: the y axis lists the drugs in the table's order, most probable first.
    const tableOrder = await texts(page, '[data-testid=candidates] tbody th');
    const axisOrder = (await texts(page, '[data-testid=chart] svg .role-axis-label text')).filter((t) => !t.endsWith('%'));
    expect(axisOrder.slice(0, 10).map((t) => t.replace(/…$/, ''))).toEqual(tableOrder.slice(0, 10).map((t, i) => (axisOrder[i].endsWith('…') ? t.slice(0, axisOrder[i].length - 1) : t)));
    expect(await page.$eval('[data-testid=chart][role="graphics-document"]', (svg) => (svg as unknown as { getAttribute(n: string): string | null }).getAttribute('aria-label'))).toMatch(/ranked by the LAMO model/);
    // The model card, one click away.
    const href = await page.$eval('#model-card-link', (a) => (a as unknown as { href: string }).href);
    expect(href).toBe(`${world.service.url}/model-card`);
    expect((await fetch(href)).status).toBe(200);

    await checkUsable(page, 'smart-app-ehr-launch');
    expect(guard.blocked).toEqual([]);
    expect(guard.seen.some((url) => url.startsWith(world.ehr.authBase))).toBe(true);
    expect(guard.seen.some((url) => url.startsWith(world.ehr.fhirBase))).toBe(true);
    expect(world.ehr.rejections).toEqual([]);
    console.log(`app load (EHR launch to rendered chart): ${loadMs} ms`);
    await page.close();
  }, BROWSER_TEST_MS);

  test('standalone launch: the patient is picked at the authorization server; problems, medications, allergies', async () => {
    const resources = world.patients.get(PLAIN_PATIENT)!;
    const review = await call<{ cards: Card[] }>(`${world.service.url}/cds-services/lamo-medication-review`, {
      body: { hook: 'patient-view', hookInstance: 'standalone-check', context: { patientId: PLAIN_PATIENT, userId: 'Practitioner/example' }, prefetch: fullPrefetch(resources, PLAIN_PATIENT) },
    });
    expect(review.status).toBe(200);

    const { page, guard } = await openPage();
    await page.goto(`${world.service.url}/app/launch.html?iss=${encodeURIComponent(world.ehr.fhirBase)}`);
    await page.waitForSelector(`button[value="${PLAIN_PATIENT}"]`, { timeout: 30_000 });
    expect(page.url().startsWith(`${world.ehr.authBase}/authorize`)).toBe(true);
    expect(new URL(page.url()).searchParams.get('code_challenge_method')).toBe('S256');
    await Promise.all([page.waitForNavigation(), page.click(`button[value="${PLAIN_PATIENT}"]`)]);
    await waitForApp(page);

    expect(await texts(page, '#from-card')).toEqual([]);
    expect(await texts(page, '[data-testid=cards] .summary')).toEqual(review.body.cards.map((c) => c.summary));
    // Active problems: the record's current conditions, named without their SNOMED semantic tag.
    const current = new Set(
      resources
        .filter((r) => r.resourceType === 'Condition' && r.clinicalStatus?.coding?.[0]?.code === 'active' && !r.abatementDateTime)
        .map((r) => displayName((r as { code?: { coding?: { display?: string }[] } }).code?.coding?.[0]?.display ?? '')),
    );
    const problems = await texts(page, '#record .columns > div:nth-child(1) li');
    expect(new Set(problems)).toEqual(current);
    // Every current medication with what supports it, or "none found".
    const medications = await texts(page, '[data-testid=medication]');
    expect(medications.length).toBeGreaterThan(0);
    for (const line of medications) expect(line).toMatch(/ — for: (?!$).+/);
    expect(await texts(page, '#patient')).not.toEqual(['']);
    await checkUsable(page, 'smart-app-standalone');
    expect(guard.blocked).toEqual([]);
    expect(world.ehr.rejections).toEqual([]);
    await page.close();
  }, BROWSER_TEST_MS);
});
