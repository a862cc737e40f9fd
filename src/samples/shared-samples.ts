/**
 * Real encounters from the shared Synthea bundles, in the two forms the tests and the benchmark need:
 * LAMO prompts (built by the project's own prompt builder) and order-select requests (an encounter's own
 * medication orders sent back as the draft orders, the rest of the record as prefetch).
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomUUID } from 'crypto';
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import { buildExamples } from '../dataset/examples';
import { loadPatientRecords } from '../fhir/load';
import type { EncounterPrompt } from '../lamo/types';
import { readPromptTemplates } from '../lamo/templates';
import { loadVocabulary } from '../medications/vocabulary';
import { DEFAULT_MODEL_DIR, SHARED_DIR } from '../paths';
import { loadPatient, orderRequest, searchset } from './cds-requests';

const BUNDLES_DIR = path.join(SHARED_DIR, 'data', 'synthea-r4-615');

function bundleFiles(): string[] {
  return fs
    .readdirSync(BUNDLES_DIR)
    .filter((f) => f.endsWith('.json.gz'))
    .sort();
}

/** Prompts from the first Synthea bundles, spread over encounters (first visits and later ones). */
export async function realPrompts(count: number, modelDir = DEFAULT_MODEL_DIR): Promise<EncounterPrompt[]> {
  const templates = readPromptTemplates(modelDir);
  const vocab = loadVocabulary();
  const files = bundleFiles();
  const prompts: EncounterPrompt[] = [];
  for (let start = 0; prompts.length < count && start < files.length; start += 3) {
    const batch = files.slice(start, start + 3).map((f) => path.join(BUNDLES_DIR, f));
    const { records } = await loadPatientRecords(batch);
    const { examples } = buildExamples(records, templates, vocab);
    const step = Math.max(1, Math.floor(examples.length / count));
    for (let i = 0; i < examples.length && prompts.length < count; i += step) {
      const { prefix, suffixTemplate, template, candidateHistory } = examples[i]!.prompt;
      prompts.push({ prefix, suffixTemplate, template, ...(candidateHistory ? { candidateHistory } : {}) });
    }
  }
  if (prompts.length < count) throw new Error(`only ${prompts.length} prompts could be built from ${BUNDLES_DIR}`);
  return prompts;
}

/**
 * order-select requests for `count` patients: the latest encounter with medication orders, its orders as
 * draft orders (all selected), and the rest of the patient's record as prefetch under the service's keys.
 */
export function orderSelectRequests(count: number): Record<string, unknown>[] {
  const requests: Record<string, unknown>[] = [];
  for (const file of bundleFiles()) {
    if (requests.length >= count) break;
    const resources = loadPatient(file.replace(/\.json\.gz$/, ''));
    const orders = resources.filter((r): r is MedicationRequest => r.resourceType === 'MedicationRequest');
    const byEncounter = new Map<string, MedicationRequest[]>();
    for (const order of orders) {
      const encounterId = order.encounter?.reference?.replace(/^Encounter\//, '');
      if (encounterId) byEncounter.set(encounterId, [...(byEncounter.get(encounterId) ?? []), order]);
    }
    const encounters = resources
      .filter((r) => r.resourceType === 'Encounter' && byEncounter.has(r.id!))
      .sort((a, b) => Date.parse((a as { period?: { start?: string } }).period?.start ?? '') - Date.parse((b as { period?: { start?: string } }).period?.start ?? ''));
    const encounter = encounters[encounters.length - 1];
    if (!encounter) continue;
    const own = new Set(byEncounter.get(encounter.id!)!);
    const record = resources.filter((r) => !own.has(r as MedicationRequest));
    const patient = record.find((r) => r.resourceType === 'Patient')!;
    const drafts = [...own].map((order) => ({ ...order, id: `draft-${randomUUID()}`, status: 'draft' as const }));
    const ofType = (type: FhirResource['resourceType']) => searchset(record.filter((r) => r.resourceType === type));
    requests.push(
      orderRequest({
        hook: 'order-select',
        patientId: patient.id!,
        encounterId: encounter.id,
        drafts,
        prefetch: {
          patient,
          encounter,
          conditions: ofType('Condition'),
          procedures: ofType('Procedure'),
          medications: ofType('MedicationRequest'),
          allergies: ofType('AllergyIntolerance'),
          encounters: ofType('Encounter'),
          notes: null,
        },
      }),
    );
  }
  if (requests.length < count) throw new Error(`only ${requests.length} order-select requests could be built from ${BUNDLES_DIR}`);
  return requests;
}
