/** Feedback: stored durably in SQLite, idempotent by card and outcome, Epic's `overrideReasons` spelling accepted, surviving a restart. */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { OperationOutcome } from 'fhir/r4';
import { SqliteStore } from '../../src/store';
import type { Card } from '../../src/cds/types';
import { call, draftOrder, orderRequest, startApp, WARFARIN_PATIENT, type RunningApp } from './helpers';

let app: RunningApp;
/** The test's own var/ folder, so that it outlives the first app (restart below). */
const varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-cds-feedback-'));

beforeAll(async () => {
  app = await startApp({ LAMO_VAR_DIR: varDir, CDS_DEADLINE_MS: '20000' });
});
afterAll(async () => {
  await app.close();
  fs.rmSync(varDir, { recursive: true, force: true });
});

async function interactionCard(): Promise<Card> {
  const drafts = [draftOrder(WARFARIN_PATIENT, '855332', 'Warfarin Sodium 5 MG Oral Tablet'), draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet')];
  const response = await call<{ cards: Card[] }>(`${app.url}/cds-services/lamo-order-sign`, { body: orderRequest({ patientId: WARFARIN_PATIENT, drafts }) });
  const card = response.body.cards.find((c) => c.source.topic?.code === 'drugInteraction');
  if (!card) throw new Error('no interaction card');
  return card;
}

const feedbackUrl = (): string => `${app.url}/cds-services/lamo-order-sign/feedback`;

test('feedback is stored once however often it is posted, and survives a restart', async () => {
  const card = await interactionCard();
  const suggestion = card.suggestions?.[0]?.uuid as string;
  const otherCard = randomUUID();
  const at = '2026-11-29T10:00:00Z';
  const body = {
    feedback: [
      { card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion }], outcomeTimestamp: at },
      {
        card: card.uuid,
        outcome: 'overridden',
        overrideReason: { reason: card.overrideReasons?.[0], userComment: 'monitoring INR closely' },
        outcomeTimestamp: at,
      },
      // Epic's spelling (on a card of another service instance: unknown kind).
      { card: otherCard, outcome: 'overridden', overrideReasons: { reason: { code: 'benefitOutweighsRisk', system: 'urn:lamo-cds:override-reason' } }, outcomeTimestamp: '2026-11-29T10:05:00Z' },
    ],
  };
  const first = await call<{ stored: number; duplicates: number }>(feedbackUrl(), { body });
  expect(first.status).toBe(200);
  expect(first.body).toEqual({ stored: 3, duplicates: 0 });
  const again = await call<{ stored: number; duplicates: number }>(feedbackUrl(), { body });
  expect(again.body).toEqual({ stored: 0, duplicates: 3 });
  // One outcome per card: a second override of the same card, even with another reason, is the same feedback.
  const reworded = await call<{ stored: number; duplicates: number }>(feedbackUrl(), {
    body: { feedback: [{ card: card.uuid, outcome: 'overridden', overrideReason: { reason: card.overrideReasons?.[1] }, outcomeTimestamp: at }] },
  });
  expect(reworded.body).toEqual({ stored: 0, duplicates: 1 });

  // Restart: a new app on the same var/ folder (same SQLite file).
  await app.close();
  app = await startApp({ LAMO_VAR_DIR: varDir, CDS_DEADLINE_MS: '20000' });
  const afterRestart = await call<{ stored: number; duplicates: number }>(feedbackUrl(), { body });
  expect(afterRestart.body).toEqual({ stored: 0, duplicates: 3 });

  const store = new SqliteStore(path.join(varDir, 'lamo-cds.sqlite'));
  const stored = await store.listFeedback('lamo-order-sign');
  await store.close();
  expect(stored).toHaveLength(3);
  for (const entry of stored) expect(entry.cardKind).toBe(entry.card === card.uuid ? 'drug-interaction' : undefined);
  expect(stored.find((e) => e.outcome === 'accepted')?.acceptedSuggestions).toEqual([{ id: suggestion }]);
  const comment = stored.find((e) => e.overrideReason?.userComment);
  expect(comment?.overrideReason).toEqual({ reason: card.overrideReasons?.[0], userComment: 'monitoring INR closely' });
  expect(stored.some((e) => e.overrideReason?.reason?.code === 'benefitOutweighsRisk')).toBe(true);
});

test('feedback that breaks the spec is refused with an OperationOutcome naming the field', async () => {
  const cases: [unknown, RegExp][] = [
    [{ feedback: [{ card: randomUUID(), outcome: 'accepted' }] }, /acceptedSuggestions is required/],
    [{ feedback: [{ card: randomUUID(), outcome: 'maybe' }] }, /outcome/],
    [{ feedback: [] }, /feedback/],
    [{ feedback: [{ outcome: 'overridden' }] }, /feedback\[0\]\.card is required/],
  ];
  for (const [body, pattern] of cases) {
    const response = await call<OperationOutcome>(feedbackUrl(), { body });
    expect(response.status).toBe(400);
    expect(response.body.issue.map((i) => i.diagnostics).join(' ')).toMatch(pattern);
  }
  const unknown = await call<OperationOutcome>(`${app.url}/cds-services/nope/feedback`, { body: { feedback: [] } });
  expect(unknown.status).toBe(404);
});
