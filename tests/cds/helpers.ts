/**
 * Shared set-up of the CDS service tests: the real app (real model, tables, SQLite file) on a local port,
 * and CDS Hooks requests built from the shared Synthea patients, reshaped as a FHIR server returns them.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import type { Bundle, FhirResource, MedicationRequest } from 'fhir/r4';
import { silentLogger, type Logger } from '../../src/cds/logger';
import type { Card } from '../../src/cds/types';
import type { ScorerOptions } from '../../src/inference/scorer';
import { SHARED_DIR } from '../../src/paths';
import { createApp, type CdsApp } from '../../src/server/app';
import { loadConfig } from '../../src/server/config';
import { buildAppDeps } from '../../src/server/wiring';
import { TEST_MODEL_DIR } from '../inference/helpers';

export { TEST_MODEL_DIR };

const BUNDLES_DIR = path.join(SHARED_DIR, 'data', 'synthea-r4-615');

/** Patients chosen from the shared set: active warfarin and naproxen (9de30b5a); a statin and amlodipine (790e1a1e). */
export const WARFARIN_PATIENT = '9de30b5a-f100-407c-9b27-1e47f6e3a663';
export const PLAIN_PATIENT = '790e1a1e-37b5-4911-99a9-428694144aec';

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/**
 * A Synthea transaction bundle as a FHIR server serves it after the transaction: every resource under its
 * own id, `urn:uuid:` references rewritten to `Type/id`.
 */
export function loadPatient(id: string): FhirResource[] {
  const bundle = JSON.parse(gunzipSync(fs.readFileSync(path.join(BUNDLES_DIR, `${id}.json.gz`))).toString('utf8')) as Bundle;
  const urlToReference = new Map<string, string>();
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource as FhirResource;
    if (entry.fullUrl) urlToReference.set(entry.fullUrl, `${resource.resourceType}/${resource.id}`);
  }
  const text = JSON.stringify((bundle.entry ?? []).map((entry) => entry.resource));
  const rewritten = text.replace(/"reference":"(urn:uuid:[^"]+)"/g, (match, url: string) => {
    const reference = urlToReference.get(url);
    return reference ? `"reference":"${reference}"` : match;
  });
  return JSON.parse(rewritten) as FhirResource[];
}

export function ofType<T extends FhirResource['resourceType']>(resources: readonly FhirResource[], type: T): Extract<FhirResource, { resourceType: T }>[] {
  return resources.filter((r) => r.resourceType === type) as Extract<FhirResource, { resourceType: T }>[];
}

export function searchset(resources: readonly FhirResource[], query?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    ...(query ? { link: [{ relation: 'self', url: `https://ehr.example.org/fhir/${query}` }] } : {}),
    entry: resources.map((resource) => ({ fullUrl: `https://ehr.example.org/fhir/${resource.resourceType}/${resource.id}`, resource })),
  };
}

/** The latest encounter of the patient (the one a hook is called in). */
export function latestEncounterId(resources: readonly FhirResource[]): string {
  const encounters = ofType(resources, 'Encounter').sort((a, b) => Date.parse(a.period?.start ?? '') - Date.parse(b.period?.start ?? ''));
  const last = encounters[encounters.length - 1];
  if (!last?.id) throw new Error('patient has no encounter');
  return last.id;
}

/** Prefetch under the service's own discovery keys, from the patient's resources. */
export function standardPrefetch(resources: readonly FhirResource[], encounterId?: string): Record<string, FhirResource | null> {
  const patient = ofType(resources, 'Patient')[0];
  const byType = (type: FhirResource['resourceType'], query: string): Bundle | null => {
    const found = resources.filter((r) => r.resourceType === type);
    return found.length > 0 ? searchset(found, query) : null;
  };
  const prefetch: Record<string, FhirResource | null> = {
    patient,
    encounters: byType('Encounter', `Encounter?patient=${patient.id}`),
    conditions: byType('Condition', `Condition?patient=${patient.id}`),
    procedures: byType('Procedure', `Procedure?patient=${patient.id}`),
    medications: byType('MedicationRequest', `MedicationRequest?patient=${patient.id}`),
    allergies: byType('AllergyIntolerance', `AllergyIntolerance?patient=${patient.id}`),
  };
  if (encounterId) {
    prefetch.encounter = resources.find((r) => r.resourceType === 'Encounter' && r.id === encounterId) ?? null;
    prefetch.notes = null;
  }
  return prefetch;
}

/** A draft MedicationRequest for an RxNorm product. */
export function draftOrder(patientId: string, code: string, display: string, encounterId?: string, id = `draft-${randomUUID()}`): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'draft',
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code, display }], text: display },
    subject: { reference: `Patient/${patientId}` },
    ...(encounterId ? { encounter: { reference: `Encounter/${encounterId}` } } : {}),
    authoredOn: new Date().toISOString(),
  };
}

export function draftBundle(orders: readonly FhirResource[]): Bundle {
  return { resourceType: 'Bundle', type: 'collection', entry: orders.map((resource) => ({ resource })) };
}

export interface OrderRequestOptions {
  hook?: 'order-select' | 'order-sign';
  patientId: string;
  encounterId?: string;
  drafts: FhirResource[];
  selections?: string[];
  prefetch?: Record<string, unknown>;
  fhirServer?: string;
  accessToken?: string;
}

export function orderRequest(options: OrderRequestOptions): Record<string, unknown> {
  const hook = options.hook ?? 'order-sign';
  return {
    hook,
    hookInstance: randomUUID(),
    ...(options.fhirServer ? { fhirServer: options.fhirServer } : {}),
    ...(options.accessToken
      ? { fhirAuthorization: { access_token: options.accessToken, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'lamo-cds' } }
      : {}),
    context: {
      userId: 'Practitioner/example',
      patientId: options.patientId,
      ...(options.encounterId ? { encounterId: options.encounterId } : {}),
      ...(hook === 'order-select'
        ? { selections: options.selections ?? options.drafts.map((d) => `${d.resourceType}/${d.id}`) }
        : {}),
      draftOrders: draftBundle(options.drafts),
    },
    ...(options.prefetch ? { prefetch: options.prefetch } : {}),
  };
}

export interface RunningApp {
  url: string;
  cds: CdsApp;
  varDir: string;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  scorer?: ScorerOptions;
  /** Wait for the model before answering (default); false to see the service while it loads or fails. */
  awaitReady?: boolean;
}

/** The real app, on 127.0.0.1 and a free port, with its own var/ folder (or the one given). */
export async function startApp(env: Record<string, string> = {}, options: StartOptions = {}): Promise<RunningApp> {
  const varDir = env.LAMO_VAR_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lamo-cds-test-'));
  const config = loadConfig({ LAMO_MODEL_DIR: TEST_MODEL_DIR, LAMO_VAR_DIR: varDir, ...env });
  const deps = buildAppDeps(config, options.logger ?? silentLogger, { threads: 1, ...options.scorer });
  const cds = createApp(deps);
  if (options.awaitReady !== false) await cds.ready;
  const server: Server = await cds.listen(0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cds,
    varDir,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await cds.close();
      deps.store.close();
    },
  };
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = unknown>(url: string, init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<JsonResponse<T>> {
  const response = await fetch(url, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    ...(init.raw !== undefined ? { body: init.raw } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

export type CardsResponse = JsonResponse<{ cards: Card[] }>;

/** Every invariant a card of this service must meet (CDS Hooks 2.0 and the project's own rules). */
export function expectWellFormedCard(card: Card): void {
  expect(card.uuid).toMatch(/^[0-9a-f-]{36}$/);
  expect(card.summary.length).toBeGreaterThan(0);
  expect(card.summary.length).toBeLessThan(140);
  expect(['info', 'warning', 'critical']).toContain(card.indicator);
  expect(card.source.label.length).toBeGreaterThan(0);
  expect(card.source.url).toMatch(/^https?:\/\/.+\/model-card$/);
  expect(card.source.topic?.code).toMatch(/^[A-Za-z0-9]+$/);
  expect(typeof card.detail).toBe('string');
  if (card.indicator !== 'info') {
    expect(card.overrideReasons?.length).toBeGreaterThan(0);
    for (const reason of card.overrideReasons ?? []) expect(reason.display?.length).toBeGreaterThan(0);
  }
  if (card.suggestions) {
    expect(card.selectionBehavior).toBe('any');
    for (const suggestion of card.suggestions) {
      expect(suggestion.uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(suggestion.actions?.length).toBe(1);
    }
  }
}
