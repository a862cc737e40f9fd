/** A model directory whose ONNX file is broken: the service still starts, says it is not ready, and answers
 * hook calls with the safety cards and an info card saying the model could not be loaded. */
import * as fs from 'fs';
import * as path from 'path';
import type { Card } from '../../src/cds/types';
import { copyModelDir } from '../inference/helpers';
import { call, draftOrder, orderRequest, startApp, WARFARIN_PATIENT, type RunningApp } from './helpers';

let app: RunningApp;

beforeAll(async () => {
  const dir = copyModelDir();
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'lamo.json'), 'utf8')) as { models: { file: string }[] };
  for (const { file } of manifest.models) fs.writeFileSync(path.join(dir, file), 'not an onnx model');
  app = await startApp({ LAMO_MODEL_DIR: dir }, { awaitReady: false });
  await app.cds.ready.catch(() => undefined);
});
afterAll(() => app.close());

test('readyz is 503; calls get safety cards and an info card instead of model cards', async () => {
  const ready = await call<{ status: string }>(`${app.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(ready.body.status).toBe('model failed to load');
  expect((await call(`${app.url}/healthz`)).status).toBe(200);

  const drafts = [draftOrder(WARFARIN_PATIENT, '855332', 'Warfarin Sodium 5 MG Oral Tablet'), draftOrder(WARFARIN_PATIENT, '310965', 'Ibuprofen 200 MG Oral Tablet')];
  const response = await call<{ cards: Card[] }>(`${app.url}/cds-services/lamo-order-sign`, {
    body: orderRequest({ patientId: WARFARIN_PATIENT, drafts, prefetch: { conditions: null, medications: null } }),
  });
  expect(response.status).toBe(200);
  const topics = response.body.cards.map((c) => c.source.topic?.code);
  expect(topics).toContain('drugInteraction');
  expect(response.body.cards.find((c) => c.source.topic?.code === 'dataGap')?.detail).toMatch(/could not be loaded/);
});
