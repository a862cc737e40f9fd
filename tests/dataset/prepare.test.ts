/**
 * Several populations at once: each keeps its name and load summary, the internal split is by patient across
 * all of them, the temporal split has each population's own cut-off. Two small populations written here,
 * twenty years apart, as a bulk export and as bundles.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { prepareExamples, type PreparedData } from '../../src/dataset/prepare';
import { internalPart } from '../../src/dataset/splits';
import { evaluationSets } from '../../src/eval/sets';

const ACETAMINOPHEN = '313782';
let dir: string;
let early: string;
let late: string;
let data: PreparedData;

/** `patients` patients born 1950 (female) or 1960 (male), each with one order per year from `firstYear`. */
function population(prefix: string, patients: number, firstYear: number, years: number): object[] {
  const resources: object[] = [];
  for (let p = 0; p < patients; p += 1) {
    const patientId = `${prefix}-patient-${p}`;
    resources.push({ resourceType: 'Patient', id: patientId, gender: p % 2 ? 'male' : 'female', birthDate: p % 2 ? '1960-06-15' : '1950-01-01' });
    for (let y = 0; y < years; y += 1) {
      const encounterId = `${prefix}-enc-${p}-${y}`;
      const start = `${firstYear + y}-03-${String((p % 27) + 1).padStart(2, '0')}T10:00:00Z`;
      resources.push({ resourceType: 'Encounter', id: encounterId, status: 'finished', subject: { reference: `Patient/${patientId}` }, period: { start } });
      resources.push({
        resourceType: 'MedicationRequest',
        id: `${prefix}-mr-${p}-${y}`,
        status: 'completed',
        intent: 'order',
        subject: { reference: `Patient/${patientId}` },
        encounter: { reference: `Encounter/${encounterId}` },
        authoredOn: start,
        medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: ACETAMINOPHEN, display: 'Acetaminophen 325 MG Oral Tablet' }] },
      });
    }
  }
  return resources;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'prepare-'));
  early = path.join(dir, 'early');
  late = path.join(dir, 'late');
  await fs.mkdir(early);
  await fs.mkdir(late);
  // A bulk export for one, a collection Bundle for the other.
  await fs.writeFile(path.join(early, 'all.ndjson'), population('a', 40, 1990, 10).map((r) => JSON.stringify(r)).join('\n'));
  const bundle = { resourceType: 'Bundle', type: 'collection', entry: population('b', 40, 2015, 10).map((resource) => ({ resource })) };
  await fs.writeFile(path.join(late, 'bundle.json'), JSON.stringify(bundle));
  data = await prepareExamples([early, late]);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('prepareExamples with several populations', () => {
  it('keeps each population with its own load summary and names every example by it', () => {
    expect(data.populations.map((p) => [p.name, p.path, p.records.length, p.examples.length, p.load.patients])).toEqual([
      ['early', early, 40, 400, 40],
      ['late', late, 40, 400, 40],
    ]);
    expect(data.examples).toHaveLength(800);
    expect(data.examples.filter((example) => example.population === 'early')).toEqual(data.populations[0].examples);
  });

  it('splits temporally per population, each at its own cut-off', () => {
    const [a, b] = data.populations;
    expect(a.cutoffs.test.slice(0, 4)).toBe('1997');
    expect(b.cutoffs.test.slice(0, 4)).toBe('2022');
    for (const population of data.populations) {
      const parts = population.examples.map((example) => data.parts.get(example)!.temporal);
      // ≈ 20% test and 10% validation in each population, not 40% / 0% as one pooled cut-off would give.
      expect(parts.filter((part) => part === 'test').length / parts.length).toBeCloseTo(0.2, 1);
      expect(parts.filter((part) => part === 'val').length / parts.length).toBeCloseTo(0.1, 1);
    }
  });

  it('splits internally by patient across all populations', () => {
    for (const example of data.examples) expect(data.parts.get(example)!.internal).toBe(internalPart(example.patientId));
    const byPatient = new Map<string, Set<string>>();
    for (const example of data.examples) {
      const parts = byPatient.get(example.patientId) ?? new Set<string>();
      parts.add(data.parts.get(example)!.internal);
      byPatient.set(example.patientId, parts);
    }
    expect([...byPatient.values()].every((parts) => parts.size === 1)).toBe(true);
  });

  it('gives every example its age and sex at the visit', () => {
    const first = data.populations[0].examples.find((example) => example.patientId === 'a-patient-0' && example.date.startsWith('1995'))!;
    expect(first).toMatchObject({ sex: 'female', ageAtVisit: 45 });
    const second = data.populations[0].examples.find((example) => example.patientId === 'a-patient-1' && example.date.startsWith('1995'))!;
    // Born 1960-06-15, seen in March 1995: still 34.
    expect(second).toMatchObject({ sex: 'male', ageAtVisit: 34 });
  });

  it('names two folders with the same base name apart', async () => {
    const twin = path.join(dir, 'other', 'early');
    await fs.mkdir(twin, { recursive: true });
    await fs.copyFile(path.join(early, 'all.ndjson'), path.join(twin, 'all.ndjson'));
    const both = await prepareExamples([early, twin]);
    expect(both.populations.map((p) => p.name)).toEqual(['early', 'early#2']);
  });
});

describe('evaluationSets', () => {
  it('internal: train, validation and test parts of every population', () => {
    const sets = evaluationSets(data, 'internal');
    expect(sets.design).toBe('internal');
    expect(sets.testPopulations).toEqual(['early', 'late']);
    expect(sets.train.length + sets.validation.length + sets.test.length).toBe(800);
    expect(new Set(sets.test.map((example) => example.population))).toEqual(new Set(['early', 'late']));
    expect(sets.test.every((example) => internalPart(example.patientId) === 'test')).toBe(true);
  });

  it('external: trains and tunes on the training populations only, tests on every encounter of the others', async () => {
    const train = await prepareExamples([early]);
    const test = await prepareExamples([late]);
    const sets = evaluationSets(test, 'internal', train);
    expect(sets.design).toBe('external');
    expect(sets.label).toBe(`${early} -> ${late}`);
    expect(sets.test).toHaveLength(400);
    expect([...sets.train, ...sets.validation].every((example) => example.population === 'early')).toBe(true);
    expect(sets.validation.every((example) => internalPart(example.patientId) === 'val')).toBe(true);
  });
});
