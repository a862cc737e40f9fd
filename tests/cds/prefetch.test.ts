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
