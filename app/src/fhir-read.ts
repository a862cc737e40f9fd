/**
 * What the app reads with the user's token: the Patient and, per type the assessment uses, every page of
 * the patient's search. The drafts of a card launch are rebuilt as draft MedicationRequests from appContext.
 */
import type Client from 'fhirclient/lib/Client';
import type { FhirResource, MedicationRequest, Patient } from 'fhir/r4';
import type { AppLaunchContext } from '../../src/cds/app-wire';

const SEARCHED = ['Encounter', 'Condition', 'Procedure', 'MedicationRequest', 'AllergyIntolerance', 'DocumentReference'] as const;

export interface ReadRecord {
  patient: Patient;
  resources: Record<string, FhirResource[]>;
  /** Types the server refused or failed: the assessment says what it lacked. */
  failed: string[];
}

export async function readRecord(client: Client, patientId: string): Promise<ReadRecord> {
  const patient = (await client.request<Patient>(`Patient/${encodeURIComponent(patientId)}`)) as Patient;
  const resources: Record<string, FhirResource[]> = { Patient: [patient] };
  const failed: string[] = [];
  await Promise.all(
    SEARCHED.map(async (type) => {
      try {
        const found = await client.request<FhirResource[]>(`${type}?patient=${encodeURIComponent(patientId)}&_count=200`, { pageLimit: 0, flat: true });
        resources[type] = (Array.isArray(found) ? found : []).filter((r) => r && r.resourceType === type);
      } catch {
        // Notes are often not granted; a missing type is an incomplete record, which the assessment reports.
        failed.push(type);
      }
    }),
  );
  return { patient, resources, failed };
}

export function draftOrders(context: AppLaunchContext, patientId: string): MedicationRequest[] {
  return context.drafts.map((draft) => ({
    resourceType: 'MedicationRequest',
    id: draft.id,
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    ...(context.encounterId ? { encounter: { reference: `Encounter/${context.encounterId}` } } : {}),
    medicationCodeableConcept: {
      ...(draft.code ? { coding: [{ ...(draft.system ? { system: draft.system } : {}), code: draft.code, display: draft.display }] } : {}),
      text: draft.display,
    },
  }));
}
