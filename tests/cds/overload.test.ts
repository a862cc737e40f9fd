/** A scorer whose queue is full: the calls it cannot take still answer 200, with their safety cards and an
 * info card saying the model was busy — never a 5xx. */
import type { Card } from '../../src/cds/types';
import { call, draftOrder, latestEncounterId, loadPatient, orderRequest, standardPrefetch, startApp, WARFARIN_PATIENT, type RunningApp } from './helpers';

let app: RunningApp;

beforeAll(async () => {
  // One worker and no waiting room: a second concurrent score is refused with QueueFullError.
  app = await startApp({ CDS_DEADLINE_MS: '20000' }, { scorer: { threads: 1, queueMax: 0 } });
});
afterAll(() => app.close());

test('concurrent calls beyond the scoring queue get safety cards and a "model busy" card', async () => {
  const resources = loadPatient(WARFARIN_PATIENT);
  const encounterId = latestEncounterId(resources);
  const body = () =>
    orderRequest({
      patientId: WARFARIN_PATIENT,
      encounterId,
      drafts: [draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet', encounterId)],
      prefetch: standardPrefetch(resources, encounterId),
    });
  const responses = await Promise.all(Array.from({ length: 6 }, () => call<{ cards: Card[] }>(`${app.url}/cds-services/lamo-order-sign`, { body: body() })));
  const topics = responses.map((r) => r.body.cards.map((c) => c.source.topic?.code));
  for (const response of responses) expect(response.status).toBe(200);
  for (const cardTopics of topics) expect(cardTopics).toContain('drugInteraction');
  const busy = responses.filter((r) => r.body.cards.some((c) => c.source.topic?.code === 'dataGap' && /busy/.test(c.detail ?? '')));
  expect(busy.length).toBeGreaterThan(0);
  expect(busy.length).toBeLessThan(responses.length);
});
