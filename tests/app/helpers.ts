/**
 * Set-up of the SMART app tests: the real service (real model) with the app's token check on, and the EHR
 * stand-ins (tests/support/smart-ehr.ts) serving two shared Synthea patients, the app registered at them
 * with the service's redirect URI.
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import { startApp, type RunningApp, type StartOptions } from '../cds/helpers';
import { loadPatient, PLAIN_PATIENT, WARFARIN_PATIENT } from '../support/cds-requests';
import { startSmartEhr, type SmartEhr, type SmartEhrOptions } from '../support/smart-ehr';

export const CLIENT_ID = 'lamo-cds-test';

export interface AppWorld {
  service: RunningApp;
  ehr: SmartEhr;
  patients: Map<string, FhirResource[]>;
  close(): Promise<void>;
}

/** The EHR's ways that differ between tests: token introspection, and whether its tokens are patient-scoped. */
export type EhrVariant = Pick<SmartEhrOptions, 'introspection' | 'patientScoped'>;

export async function startWorld(env: Record<string, string> = {}, variant: EhrVariant = {}, options: StartOptions = {}): Promise<AppWorld> {
  const patients = new Map<string, FhirResource[]>([WARFARIN_PATIENT, PLAIN_PATIENT].map((id) => [id, loadPatient(id)]));
  const clients: { clientId: string; redirectUris: string[] }[] = [];
  const ehr = await startSmartEhr({ patients, clients, ...variant });
  // A deadline no loaded CI machine reaches: these tests compare the app with the hooks, not their speed.
  const service = await startApp({ LAMO_APP_CLIENT_ID: CLIENT_ID, LAMO_APP_FHIR_SERVERS: ehr.fhirBase, CDS_DEADLINE_MS: '30000', ...env }, options);
  clients.push({ clientId: CLIENT_ID, redirectUris: [`${service.url}/app/index.html`] });
  return {
    service,
    ehr,
    patients,
    close: async () => {
      await service.close();
      await ehr.close();
    },
  };
}

const SEARCHED = ['Encounter', 'Condition', 'Procedure', 'MedicationRequest', 'AllergyIntolerance', 'DocumentReference'] as const;

/** Prefetch holding what the app reads from the FHIR server: the Patient and every search, complete. */
export function fullPrefetch(resources: readonly FhirResource[], patientId: string): Record<string, FhirResource> {
  const prefetch: Record<string, FhirResource> = { patient: resources.find((r) => r.resourceType === 'Patient') as FhirResource };
  for (const type of SEARCHED) {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'self', url: `${type}?patient=${patientId}` }],
      entry: resources.filter((r) => r.resourceType === type).map((resource) => ({ resource })),
    };
    prefetch[type] = bundle;
  }
  return prefetch;
}
