/**
 * Loads both shared data sets and checks the loader against counts made here, independently, straight
 * from the files. The 615-patient set takes a while (two full passes over ~720 MB of JSON).
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { formatSummary, loadPatientRecords } from '../../src/fhir/load';
import type { LoadSummary, PatientRecord } from '../../src/fhir/types';

const SHARED = path.resolve(__dirname, '../../../shared/data');
const R4_615 = path.join(SHARED, 'synthea-r4-615');
const BULK_10 = path.join(SHARED, 'synthea-bulk-10');

function add(counts: Record<string, number>, type: string, n = 1): void {
  counts[type] = (counts[type] ?? 0) + n;
}

/** Entries by resourceType, parsing each bundle on its own. */
async function countBundleEntries(folder: string): Promise<{ files: number; byType: Record<string, number> }> {
  const names = (await fs.readdir(folder)).filter((name) => name.endsWith('.json.gz'));
  const byType: Record<string, number> = {};
  for (const name of names) {
    const bundle = JSON.parse(zlib.gunzipSync(await fs.readFile(path.join(folder, name))).toString('utf8')) as {
      entry: { resource: { resourceType: string } }[];
    };
    for (const entry of bundle.entry) add(byType, entry.resource.resourceType);
  }
  return { files: names.length, byType };
}

/** Non-empty lines per bulk-export file; the file name says the type (`<Type>.000.ndjson.gz`). */
async function countNdjsonLines(folder: string): Promise<{ files: number; byType: Record<string, number> }> {
  const names = (await fs.readdir(folder)).filter((name) => name.endsWith('.ndjson.gz'));
  const byType: Record<string, number> = {};
  for (const name of names) {
    const text = zlib.gunzipSync(await fs.readFile(path.join(folder, name))).toString('utf8');
    add(byType, name.split('.')[0], text.split('\n').filter((line) => line.trim() !== '').length);
  }
  return { files: names.length, byType };
}

function expectCleanLoad(summary: LoadSummary, expected: { files: number; byType: Record<string, number> }): void {
  expect(summary.unresolvedReferences).toBe(0);
  expect(summary.issues).toEqual([]);
  expect(summary.skipped).toBe(0);
  expect(summary.files).toBe(expected.files);
  expect(summary.byType).toEqual(expected.byType);
  expect(summary.resources).toBe(Object.values(expected.byType).reduce((sum, n) => sum + n, 0));
}

const encountersOf = (records: PatientRecord[]) => records.flatMap((record) => record.encounters);

describe('synthea-bulk-10 (bulk NDJSON with notes)', () => {
  let records: PatientRecord[];
  let summary: LoadSummary;

  beforeAll(async () => {
    ({ records, summary } = await loadPatientRecords(BULK_10));
  });

  it('loads every line with zero unresolved references', async () => {
    expectCleanLoad(summary, await countNdjsonLines(BULK_10));
    expect(records).toHaveLength(summary.byType.Patient);
    expect(summary.patients).toBe(13);
  });

  it('attaches all 1,215 notes to their encounters and links every order', () => {
    const encounters = encountersOf(records);
    expect(encounters).toHaveLength(1215);
    expect(encounters.reduce((sum, encounter) => sum + encounter.notes.length, 0)).toBe(1215);
    expect(records.reduce((sum, record) => sum + record.notes.length, 0)).toBe(1215);
    expect(encounters.reduce((sum, encounter) => sum + encounter.medications.length, 0)).toBe(1745);
    expect(encounters.every((encounter) => encounter.notes.every((note) => note.text.length > 100))).toBe(true);
  });
});

describe('synthea-r4-615 (transaction bundles, urn:uuid references)', () => {
  let records: PatientRecord[];
  let summary: LoadSummary;

  beforeAll(async () => {
    ({ records, summary } = await loadPatientRecords(R4_615));
    // The CLI prints this line; keep it visible in the test log too.
    console.log(formatSummary(summary));
  });

  // The < 60 s / < 2 GB targets are measured where they are printed (the eval summary line), not
  // asserted here: timings on a shared machine make flaky tests.
  it('reports load time and peak memory', () => {
    expect(summary.elapsedMs).toBeGreaterThan(0);
    expect(summary.peakRssMb).toBeGreaterThan(0);
  });

  it('links all 4,712 orders, 4,044 encounters having at least one', () => {
    const encounters = encountersOf(records);
    expect(records).toHaveLength(615);
    expect(encounters).toHaveLength(18_098);
    expect(encounters.filter((encounter) => encounter.medications.length > 0)).toHaveLength(4044);
    expect(encounters.reduce((sum, encounter) => sum + encounter.medications.length, 0)).toBe(4712);
    expect(new Set(records.flatMap((record) => record.medications.map((order) => order.concept.code))).size).toBe(123);
  });

  it('counts every entry with zero unresolved references', async () => {
    expectCleanLoad(summary, await countBundleEntries(R4_615));
  });
});
