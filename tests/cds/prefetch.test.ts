/** Unit tests of prefetch collection: any key, any Bundle shape, null and OperationOutcome values. */
import type { Bundle, FhirResource } from 'fhir/r4';
import { ResourcePool, typeOfQuery } from '../../src/cds/prefetch';

const condition = (id: string): FhirResource => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p1' }, code: { text: 'x' } });

test('typeOfQuery reads the resource type of reads, searches and absolute URLs', () => {
  expect(typeOfQuery('Patient/{{context.patientId}}')).toBe('Patient');
  expect(typeOfQuery('Condition?patient={{context.patientId}}&category=problem-list-item')).toBe('Condition');
  expect(typeOfQuery('https://ehr.example.org/fhir/R4/MedicationRequest?patient=1')).toBe('MedicationRequest');
  expect(typeOfQuery('https://ehr.example.org/fhir/Encounter/123/_history/2')).toBe('Encounter');
  expect(typeOfQuery(undefined)).toBeUndefined();
});

test('resources from nested bundles of any type are collected once; empty searchsets and nulls count as queried', () => {
  const pool = new ResourcePool();
  const nested: Bundle = {
    resourceType: 'Bundle',
    type: 'batch-response',
    entry: [
      { resource: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: condition('c1') }, { resource: condition('c2') }] }, response: { status: '200 OK' } },
      { response: { status: '403 Forbidden' } },
      { resource: { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'self', url: 'https://ehr/fhir/Procedure?patient=p1' }] }, response: { status: '200' } },
    ],
  };
  pool.addPrefetch({
    anything: nested,
    again: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: condition('c1') }] },
    myAllergies: null, // recognised by its wording
    activeMeds: { resourceType: 'Bundle', type: 'searchset', total: 0 }, // empty, no self link: by its key too
    noClue: null, // nothing to tell its type: not counted
    ours: null, // our own template's key
  }, { ours: 'DocumentReference?patient={{context.patientId}}' });
  expect(pool.resources.map((r) => r.id).sort()).toEqual(['c1', 'c2']);
  expect([...pool.queried].sort()).toEqual(['AllergyIntolerance', 'Condition', 'DocumentReference', 'MedicationRequest', 'Procedure']);
  expect(pool.failures).toEqual([{ key: 'anything', diagnostics: 'a batch entry failed with HTTP 403' }]);
});

test('an OperationOutcome value is a failed query; a warning OperationOutcome inside a searchset is not', () => {
  const pool = new ResourcePool();
  pool.addPrefetch({
    conditions: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout', diagnostics: 'took too long' }] },
    meds: {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'informational', diagnostics: 'partial' }] }, search: { mode: 'outcome' } }],
    },
  });
  expect(pool.failures).toEqual([{ key: 'conditions', diagnostics: 'took too long' }]);
  expect(pool.queried.has('Condition')).toBe(false);
  expect(pool.resources).toEqual([]);
});

describe('which types were queried (the STU3 "model skipped" case)', () => {
  const medication = (id: string): FhirResource => ({ resourceType: 'Medication', id, code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '308182' }] } });

  test('a medications searchset holding only Medication resources (no order yet, or orders elsewhere) is the MedicationRequest search', () => {
    const pool = new ResourcePool();
    pool.addPrefetch(
      { medications: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: medication('m1') }, { resource: medication('m2'), search: { mode: 'include' } }] } },
      { medications: 'MedicationRequest?patient={{context.patientId}}' },
    );
    expect(pool.queried.has('MedicationRequest')).toBe(true);
    expect(pool.truncated).toEqual([]);
  });

  test('a loose key is read by its wording; a non-empty collection under a loose key says nothing about its key', () => {
    const pool = new ResourcePool();
    pool.addPrefetch({
      activeMeds: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: medication('m1') }] },
      problems: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: medication('m2') }] },
    });
    expect(pool.queried.has('MedicationRequest')).toBe(true);
    expect(pool.queried.has('Condition')).toBe(false);
  });
});

describe('searches that arrived cut short', () => {
  const page = (n: number, extra: Partial<Bundle> = {}): Bundle => ({
    resourceType: 'Bundle',
    type: 'searchset',
    link: [{ relation: 'self', url: 'https://ehr/fhir/Condition?patient=p1' }],
    entry: Array.from({ length: n }, (_, i) => ({ resource: condition(`c${i}`), search: { mode: 'match' as const } })),
    ...extra,
  });

  test('a next link, or a total above the matches, is recorded; a whole result is not', () => {
    const pool = new ResourcePool();
    pool.addPrefetch({
      paged: page(20, { total: 35, link: [{ relation: 'self', url: 'https://ehr/fhir/Condition?patient=p1' }, { relation: 'next', url: 'https://ehr/fhir?_getpages=abc&_getpagesoffset=20' }] }),
      counted: { ...page(2, { total: 5 }), link: undefined },
      whole: page(3, { total: 3 }),
    });
    expect(pool.truncated).toEqual([
      { key: 'paged', type: 'Condition', received: 20, total: 35, next: 'https://ehr/fhir?_getpages=abc&_getpagesoffset=20' },
      { key: 'counted', type: 'Condition', received: 2, total: 5 },
    ]);
  });

  test('a page size our own template asks for (the 20 most recent notes) is not a search cut short', () => {
    const pool = new ResourcePool();
    const notes = { ...page(20, { total: 34 }), link: [{ relation: 'next', url: 'https://ehr/fhir?_getpages=n&_getpagesoffset=20' }] };
    pool.addPrefetch({ notes, theirs: notes }, { notes: 'DocumentReference?patient={{context.patientId}}&_sort=-date&_count=20' });
    expect(pool.truncated.map((t) => t.key)).toEqual(['theirs']);
  });
});
