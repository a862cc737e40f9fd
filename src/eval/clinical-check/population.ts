/**
 * Raw FHIR resources of a shared population, one patient at a time, as an EHR would send them in a CDS
 * call: only the types the service reads, `urn:uuid:` references rewritten to `Type/id`, resources without
 * an id given one. Per-patient bundles (R4, STU3, QI-Core) and bulk NDJSON folders are both read.
 */
import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import type { FhirResource } from 'fhir/r4';
import { internalPart } from '../../dataset/splits';

/** The resource types a CDS call carries (the rest of a Synthea record is not read by the service). */
const CALL_TYPES = new Set(['Patient', 'Encounter', 'Condition', 'Procedure', 'MedicationRequest', 'Medication', 'AllergyIntolerance', 'DocumentReference']);

export interface PatientResources {
  patientId: string;
  resources: FhirResource[];
}

function readMaybeGzip(file: string): string {
  const bytes = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

type Loose = FhirResource & { id?: string };

/** Gives every kept resource an id and rewrites references to bundle fullUrls into `Type/id`. */
function normaliseBundle(entries: { fullUrl?: string; resource?: Loose }[], prefix: string): FhirResource[] {
  const urlToReference = new Map<string, string>();
  const kept: Loose[] = [];
  entries.forEach((entry, index) => {
    const resource = entry.resource;
    if (!resource || !CALL_TYPES.has(resource.resourceType)) return;
    if (!resource.id) resource.id = `${prefix}-${index}`;
    if (entry.fullUrl) urlToReference.set(entry.fullUrl, `${resource.resourceType}/${resource.id}`);
    kept.push(resource);
  });
  const text = JSON.stringify(kept).replace(/"reference":"(urn:uuid:[^"]+)"/g, (match, url: string) => {
    const reference = urlToReference.get(url);
    return reference ? `"reference":"${reference}"` : match;
  });
  return JSON.parse(text) as FhirResource[];
}

function patientIdOf(resources: readonly FhirResource[]): string | undefined {
  return resources.find((resource) => resource.resourceType === 'Patient')?.id;
}

/** The patient a resource belongs to (subject, patient, STU3 too), as a bare id. */
function ownerOf(resource: FhirResource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id;
  const holder = resource as { subject?: { reference?: string }; patient?: { reference?: string } };
  const reference = holder.subject?.reference ?? holder.patient?.reference;
  const match = reference ? /(?:^|\/)Patient\/([^/]+)$/.exec(reference) : null;
  return match?.[1];
}

export interface PopulationOptions {
  /** Keep only patients of the internal split's test part (false for an external population). */
  testOnly: boolean;
  /** Stop after this many patients (files in sorted order), for small runs. */
  maxPatients?: number;
}

/** The patients of a population folder. */
export function loadPopulation(dir: string, options: PopulationOptions): PatientResources[] {
  const files = readdirSync(dir).filter((name) => /\.(json|ndjson)(\.gz)?$/.test(name)).sort();
  const keep = (patientId: string | undefined): patientId is string => Boolean(patientId) && (!options.testOnly || internalPart(patientId as string) === 'test');
  const patients: PatientResources[] = [];
  if (files.some((name) => /\.ndjson(\.gz)?$/.test(name))) {
    const byPatient = new Map<string, FhirResource[]>();
    const medications: FhirResource[] = [];
    for (const file of files) {
      for (const line of readMaybeGzip(path.join(dir, file)).split('\n')) {
        if (!line.trim()) continue;
        const resource = JSON.parse(line) as FhirResource;
        if (!CALL_TYPES.has(resource.resourceType)) continue;
        if (resource.resourceType === 'Medication') medications.push(resource);
        const owner = ownerOf(resource);
        if (!keep(owner)) continue;
        const list = byPatient.get(owner) ?? [];
        list.push(resource);
        byPatient.set(owner, list);
      }
    }
    for (const [patientId, resources] of [...byPatient.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      patients.push({ patientId, resources: [...resources, ...medications] });
      if (options.maxPatients !== undefined && patients.length >= options.maxPatients) break;
    }
    return patients;
  }
  for (const file of files) {
    const bundle = JSON.parse(readMaybeGzip(path.join(dir, file))) as { resourceType?: string; entry?: { fullUrl?: string; resource?: Loose }[] };
    if (bundle.resourceType !== 'Bundle') continue;
    const resources = normaliseBundle(bundle.entry ?? [], `res-${path.basename(file).replace(/\W+/g, '')}`);
    const patientId = patientIdOf(resources);
    if (!keep(patientId)) continue;
    patients.push({ patientId, resources });
    if (options.maxPatients !== undefined && patients.length >= options.maxPatients) break;
  }
  return patients;
}
