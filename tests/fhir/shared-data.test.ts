/**
 * Loads every shared population and checks the loader against counts made here, independently, straight
 * from the files: every resource read, none skipped, every reference the record follows resolved inside the
 * folder (0 unresolved, 0 external), id-less STU3 resources kept, every order and note placed.
 * The 615-patient set takes a while (two full passes over ~720 MB of JSON).
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { formatSummary, loadPatientRecords } from '../../src/fhir/load';
import { RECORD_RESOURCE_TYPES } from '../../src/fhir/resource-types';
import type { LoadSummary, PatientRecord } from '../../src/fhir/types';

const SHARED = path.resolve(__dirname, '../../../shared/data');

interface FileCounts {
  files: number;
  byType: Record<string, number>;
  /** Resources of the types a record keeps that carry neither an id nor a fullUrl. */
  withoutId: Record<string, number>;
}

type Raw = { resourceType: string; id?: string };

function add(counts: Record<string, number>, type: string, n = 1): void {
  counts[type] = (counts[type] ?? 0) + n;
}

/** Counts a folder's resources on its own terms: bundle entries, or NDJSON lines. */
async function countFiles(folder: string): Promise<FileCounts> {
  const counts: FileCounts = { files: 0, byType: {}, withoutId: {} };
  const see = (resource: Raw, fullUrl: unknown): void => {
    add(counts.byType, resource.resourceType);
    if (!resource.id && !fullUrl && RECORD_RESOURCE_TYPES.has(resource.resourceType)) add(counts.withoutId, resource.resourceType);
  };
  for (const name of (await fs.readdir(folder)).sort()) {
    if (!/\.(nd)?json\.gz$/.test(name)) continue;
    counts.files += 1;
    const text = zlib.gunzipSync(await fs.readFile(path.join(folder, name))).toString('utf8');
    if (name.endsWith('.ndjson.gz')) {
      for (const line of text.split('\n')) if (line.trim()) see(JSON.parse(line) as Raw, undefined);
    } else {
      const bundle = JSON.parse(text) as { entry: { fullUrl?: string; resource: Raw }[] };
      for (const entry of bundle.entry) see(entry.resource, entry.fullUrl);
    }
  }
  return counts;
}

function expectCleanLoad(summary: LoadSummary, expected: FileCounts): void {
  expect(summary.issues).toEqual([]);
  expect(summary.skipped).toBe(0);
  expect(summary.unresolvedReferences).toBe(0);
  expect(summary.externalReferences).toBe(0);
  expect(summary.files).toBe(expected.files);
  expect(summary.byType).toEqual(expected.byType);
  expect(summary.resources).toBe(Object.values(expected.byType).reduce((sum, n) => sum + n, 0));
  const withoutId = Object.values(expected.withoutId).reduce((sum, n) => sum + n, 0);
  expect(summary.syntheticIds ?? 0).toBe(withoutId);
}

const sum = (records: PatientRecord[], count: (record: PatientRecord) => number): number =>
  records.reduce((total, record) => total + count(record), 0);
const encountersOf = (records: PatientRecord[]) => records.flatMap((record) => record.encounters);

/** Everything of the record's types lands in a record: nothing is dropped between the load and assembly. */
function expectEverythingPlaced(records: PatientRecord[], counts: FileCounts): void {
  expect(records).toHaveLength(counts.byType.Patient);
  expect(encountersOf(records)).toHaveLength(counts.byType.Encounter);
  expect(sum(records, (record) => record.conditions.length)).toBe(counts.byType.Condition ?? 0);
  expect(sum(records, (record) => record.procedures.length)).toBe(counts.byType.Procedure ?? 0);
  expect(sum(records, (record) => record.allergies.length)).toBe(counts.byType.AllergyIntolerance ?? 0);
  expect(sum(records, (record) => record.medications.length)).toBe(counts.byType.MedicationRequest ?? 0);
  expect(sum(records, (record) => record.notes.length)).toBe(counts.byType.DocumentReference ?? 0);
  // Every order, note and encounter-bound entry is placed in one of its patient's encounters.
  const placed = encountersOf(records);
  expect(placed.reduce((total, encounter) => total + encounter.medications.length, 0)).toBe(counts.byType.MedicationRequest ?? 0);
  expect(placed.reduce((total, encounter) => total + encounter.notes.length, 0)).toBe(counts.byType.DocumentReference ?? 0);
}

/** What each population is known to hold, beyond the generic checks (README of ../shared). */
const FACTS: Record<string, (records: PatientRecord[], counts: FileCounts) => void> = {
  'synthea-r4-615': (records) => {
    expect(encountersOf(records).filter((encounter) => encounter.medications.length > 0)).toHaveLength(4044);
    expect(new Set(records.flatMap((record) => record.medications.map((order) => order.concept.code))).size).toBe(123);
  },
  'synthea-stu3-1461': (records, counts) => {
    // The id-less resources of the record's types: every Procedure and AllergyIntolerance (Immunizations and
    // CarePlans are not record types), kept under distinct synthetic ids.
    expect(counts.withoutId).toEqual({ Procedure: counts.byType.Procedure, AllergyIntolerance: counts.byType.AllergyIntolerance });
    const procedures = records.flatMap((record) => record.procedures);
    expect(procedures.every((procedure) => /^synthetic-/.test(procedure.id))).toBe(true);
    expect(new Set(procedures.map((procedure) => procedure.id)).size).toBe(procedures.length);
    // Orders name their drug through medicationReference to a Medication in the bundle.
    const orders = records.flatMap((record) => record.medications);
    expect(orders.filter((order) => order.resource.medicationReference !== undefined).length).toBeGreaterThan(orders.length / 2);
    expect(new Set(orders.map((order) => order.concept.code)).size).toBe(99);
  },
  'synthea-qicore-177': (records) => {
    // Encounter.serviceProvider is a conditional reference into the hospitalInformation batch bundles.
    const encounters = encountersOf(records);
    expect(encounters).toHaveLength(3615);
    expect(encounters.every((encounter) => typeof encounter.serviceProvider === 'string' && encounter.serviceProvider !== '')).toBe(true);
  },
  'synthea-bulk-10': (records) => {
    expect(encountersOf(records).every((encounter) => encounter.notes.every((note) => note.text.length > 100))).toBe(true);
    expect(encountersOf(records).every((encounter) => typeof encounter.serviceProvider === 'string')).toBe(true);
  },
};

describe.each(Object.keys(FACTS))('%s', (name) => {
  const folder = path.join(SHARED, name);
  let records: PatientRecord[];
  let summary: LoadSummary;
  let counts: FileCounts;

  beforeAll(async () => {
    ({ records, summary } = await loadPatientRecords(folder));
    counts = await countFiles(folder);
    // The CLI prints this line; keep it visible in the test log too.
    console.log(`${name}: ${formatSummary(summary)}`);
  });

  afterAll(() => {
    // Four populations in one file: let each go before the next loads.
    records = [];
  });

  it('reads every resource, skips none, and resolves every followed reference inside the folder', () => {
    expectCleanLoad(summary, counts);
    expect(summary.elapsedMs).toBeGreaterThan(0);
    expect(summary.peakRssMb).toBeGreaterThan(0);
  });

  it('places every patient, encounter, condition, procedure, allergy, order and note', () => {
    expectEverythingPlaced(records, counts);
  });

  it('holds what the population is known to hold', () => {
    FACTS[name](records, counts);
  });
});
