/**
 * CDS Hooks requests built from the shared Synthea patients, reshaped as a FHIR server returns them.
 * Ordinary source (not test code) because the service tests, the benchmarks and the clinical check all send
 * the same requests; it reads ../shared only when called.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import type { Bundle, FhirResource, MedicationRequest } from 'fhir/r4';
import { isNeededObservation } from '../fhir/labs';
import { SHARED_DIR } from '../paths';

const BUNDLES_DIR = path.join(SHARED_DIR, 'data', 'synthea-r4-615');

/**
 * A QI-Core patient (synthea-qicore-177) with 35 MedicationRequests, the active lisinopril and hydrochlorothiazide
 * last: a FHIR server paging 20 per page (HAPI's default) puts them on page 2.
 */
export const PAGED_PATIENT = '1e557b32-2239-dc72-1a82-316d22d17508';
export const QICORE_POPULATION = 'synthea-qicore-177';

/** Patients chosen from the shared set: active warfarin and naproxen (9de30b5a); a statin and amlodipine (790e1a1e). */
export const WARFARIN_PATIENT = '9de30b5a-f100-407c-9b27-1e47f6e3a663';
export const PLAIN_PATIENT = '790e1a1e-37b5-4911-99a9-428694144aec';

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/**
 * A Synthea transaction bundle (of synthea-r4-615 unless another population folder is named) as a FHIR server serves it after the transaction: every resource under its
 * own id, `urn:uuid:` references rewritten to `Type/id`.
 */
export function loadPatient(id: string, population?: string): FhirResource[] {
  const dir = population ? path.join(SHARED_DIR, 'data', population) : BUNDLES_DIR;
  const bundle = JSON.parse(gunzipSync(fs.readFileSync(path.join(dir, `${id}.json.gz`))).toString('utf8')) as Bundle;
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

function observationTime(resource: FhirResource): number {
  return resource.resourceType === 'Observation' ? Date.parse(resource.effectiveDateTime ?? resource.issued ?? '') || 0 : 0;
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
    // What the RECENT_LABS template asks for: the lab table's Observations only, newest first.
    labs: searchset(
      resources.filter((r) => r.resourceType === 'Observation' && isNeededObservation(r)).sort((a, b) => observationTime(b) - observationTime(a)),
      `Observation?patient=${patient.id}`,
    ),
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
