/**
 * The SMART app's load time for a shared Synthea patient, as `npm run bench` reports it (`app`): the real
 * service in this process (shipped model), the EHR stand-ins of the tests, Debian's Chromium. Each run is an
 * EHR launch from navigation to the rendered page (authorization redirects, PKCE token exchange, the FHIR
 * reads, the assessment, the chart drawn); one warm-up run first, then `runs` measured, each in a new page.
 */
import { chromiumOrSkip, launchChromium } from '../tests/support/browser';
import { latestEncounterId, WARFARIN_PATIENT } from '../tests/support/cds-requests';
import { startWorld } from '../tests/app/helpers';
import { percentile } from './bench-e2e';

export interface AppLoadResult {
  patient: string;
  runs: number;
  load_ms_median: number;
  load_ms_max: number;
}

export async function measureAppLoad(modelDir: string, runs = 5): Promise<AppLoadResult | null> {
  const binary = chromiumOrSkip('bench: SMART app load time');
  if (!binary) return null;
  const world = await startWorld({ LAMO_MODEL_DIR: modelDir });
  const browser = await launchChromium(binary);
  try {
    const encounter = latestEncounterId(world.patients.get(WARFARIN_PATIENT) ?? []);
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const launch = world.ehr.createLaunch({ patient: WARFARIN_PATIENT, encounter });
      const page = await browser.newPage();
      await page.setViewport({ width: 1024, height: 900 });
      const started = performance.now();
      await page.goto(`${world.service.url}/app/launch.html?iss=${encodeURIComponent(world.ehr.fhirBase)}&launch=${launch}`);
      await page.waitForSelector('body[data-state]', { timeout: 60_000 });
      const elapsed = performance.now() - started;
      const state = (await page.evaluate('document.body.dataset.state')) as string;
      await page.close();
      if (state !== 'ready') throw new Error('the app did not render the assessment');
      if (i > 0) times.push(elapsed);
    }
    const round = (x: number): number => Math.round(x);
    return { patient: WARFARIN_PATIENT, runs, load_ms_median: round(percentile(times, 50)), load_ms_max: round(Math.max(...times)) };
  } finally {
    await browser.close();
    await world.close();
  }
}
