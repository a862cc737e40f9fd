import type { Resource } from 'fhir/r4';
import { parseReference, referencedId, ResourceIndex } from '../../src/fhir/references';

describe('parseReference', () => {
  it('recognises every reference form', () => {
    expect(parseReference('urn:uuid:1234')).toEqual({ kind: 'fullUrl', url: 'urn:uuid:1234' });
    expect(parseReference('Patient/p1')).toEqual({ kind: 'literal', type: 'Patient', id: 'p1' });
    expect(parseReference('Encounter/e1/_history/3')).toEqual({ kind: 'literal', type: 'Encounter', id: 'e1', version: '3' });
    expect(parseReference('https://ehr.example/fhir/Encounter/e1/_history/2')).toEqual({
      kind: 'literal',
      type: 'Encounter',
      id: 'e1',
      version: '2',
      url: 'https://ehr.example/fhir/Encounter/e1',
    });
    expect(parseReference('#med1')).toEqual({ kind: 'contained', id: 'med1' });
    expect(parseReference('Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|999')).toEqual({
      kind: 'conditional',
      type: 'Practitioner',
      query: 'identifier=http://hl7.org/fhir/sid/us-npi|999',
    });
    expect(parseReference('not a reference').kind).toBe('unparseable');
  });

  it('gives the id a reference names', () => {
    expect(referencedId('Patient/p1')).toBe('p1');
    expect(referencedId('urn:uuid:abc')).toBe('abc');
    expect(referencedId('https://x/fhir/Patient/p9/_history/1')).toBe('p9');
  });
});

describe('ResourceIndex', () => {
  const patient = { resourceType: 'Patient', id: 'p1' } as Resource;
  const encounter = { resourceType: 'Encounter', id: 'e1' } as Resource;
  const remote = { resourceType: 'Encounter', id: 'e2' } as Resource;
  const index = new ResourceIndex();
  index.add(patient, 'urn:uuid:aaaa-1111');
  index.add(encounter);
  index.add(remote, 'https://ehr.example/fhir/Encounter/e2');

  it('resolves urn:uuid, Type/id, absolute and versioned references', () => {
    expect(index.resolve({ reference: 'urn:uuid:aaaa-1111' })).toEqual({ status: 'resolved', resource: patient });
    expect(index.resolve({ reference: 'Patient/p1' })).toEqual({ status: 'resolved', resource: patient });
    expect(index.resolve({ reference: 'Encounter/e1/_history/4' })).toEqual({ status: 'resolved', resource: encounter });
    expect(index.resolve({ reference: 'https://other.example/fhir/Encounter/e1' })).toEqual({ status: 'resolved', resource: encounter });
    expect(index.resolve({ reference: 'https://ehr.example/fhir/Encounter/e2/_history/1' })).toEqual({ status: 'resolved', resource: remote });
  });

  it('resolves contained references against the referencing resource', () => {
    const request = {
      resourceType: 'MedicationRequest',
      id: 'm1',
      contained: [{ resourceType: 'Medication', id: 'med', code: { text: 'x' } }],
    } as Resource;
    const resolution = index.resolve({ reference: '#med' }, { from: request, expectedTypes: ['Medication'] });
    expect(resolution.status).toBe('resolved');
    expect(index.resolve({ reference: '#other' }, { from: request }).status).toBe('unresolved');
  });

  it('tells dangling, absent, conditional and other-type references apart', () => {
    expect(index.resolve({ reference: 'Encounter/missing' })).toMatchObject({ status: 'unresolved', type: 'Encounter', id: 'missing' });
    expect(index.resolve({ reference: 'urn:uuid:nope' }).status).toBe('unresolved');
    expect(index.resolve(undefined).status).toBe('absent');
    expect(index.resolve({ display: 'Dr. Who' }).status).toBe('absent');
    expect(index.resolve({ reference: 'Practitioner?identifier=x|1' }).status).toBe('external');
    expect(index.resolve({ reference: 'Practitioner?name=Who' }).status).toBe('ignored');
    expect(index.resolve({ reference: 'https://elsewhere.example/fhir/Practitioner/x' }).status).toBe('external');
    expect(index.resolve({ reference: 'Observation/o1' }, { expectedTypes: ['Condition'] }).status).toBe('ignored');
    // The fullUrl resolves, but to a type the element does not take.
    expect(index.resolve({ reference: 'urn:uuid:aaaa-1111' }, { expectedTypes: ['Encounter'] }).status).toBe('ignored');
  });

  it('falls back to Type/<uuid> for urn:uuid references when the Bundle fullUrls are gone', () => {
    expect(index.resolve({ reference: 'urn:uuid:e1' }, { expectedTypes: ['Encounter'] })).toEqual({ status: 'resolved', resource: encounter });
    expect(index.resolve({ reference: 'urn:uuid:e1' }).status).toBe('unresolved');
  });

  it('keeps the first of two resources with the same Type/id', () => {
    const copy = { resourceType: 'Patient', id: 'p1', gender: 'other' } as Resource;
    expect(index.add(copy)).toBe(false);
    expect(index.get('Patient', 'p1')).toBe(patient);
  });
});

describe('conditional references (Synthea QI-Core: Organization?identifier=…, Practitioner?identifier=…)', () => {
  const npi = 'http://hl7.org/fhir/sid/us-npi';
  const hospital = { resourceType: 'Organization', id: 'o1', name: 'General', identifier: [{ system: 'https://synthea', value: 'org-1' }] } as Resource;
  const drA = { resourceType: 'Practitioner', id: 'pa', identifier: [{ system: npi, value: '999' }], name: [{ prefix: ['Dr.'], given: ['Ann'], family: 'Lee' }] } as Resource;
  // A second generator run reused the NPI for another practitioner, and exported Dr. Lee again.
  const drB = { resourceType: 'Practitioner', id: 'pb', identifier: [{ system: npi, value: '999' }], name: [{ prefix: ['Dr.'], given: ['Bo'], family: 'Kim' }] } as Resource;
  const drA2 = { resourceType: 'Practitioner', id: 'pa2', identifier: [{ system: npi, value: '999' }], name: [{ prefix: ['Dr.'], given: ['Ann'], family: 'Lee' }] } as Resource;
  const index = new ResourceIndex();
  for (const resource of [hospital, drA, drB, drA2]) index.add(resource);

  it('finds the resource carrying the identifier, with or without the system, percent-encoded or not', () => {
    expect(index.resolve({ reference: 'Organization?identifier=https://synthea|org-1' })).toEqual({ status: 'resolved', resource: hospital });
    expect(index.resolve({ reference: 'Organization?identifier=org-1' })).toEqual({ status: 'resolved', resource: hospital });
    expect(index.resolve({ reference: 'Organization?identifier=https%3A%2F%2Fsynthea%7Corg-1' })).toEqual({ status: 'resolved', resource: hospital });
    expect(index.resolve({ reference: 'Organization?_id=o1' })).toEqual({ status: 'resolved', resource: hospital });
    expect(index.resolve({ reference: 'Organization?identifier=https://other|org-1' }).status).toBe('external');
  });

  it('tells same-identifier resources apart by the display, and calls them ambiguous without one', () => {
    expect(index.resolve({ reference: `Practitioner?identifier=${npi}|999`, display: 'Dr. Bo Kim' })).toEqual({ status: 'resolved', resource: drB });
    // Two exports of the same person: the first read stands for both.
    expect(index.resolve({ reference: `Practitioner?identifier=${npi}|999`, display: 'dr.  ann lee' })).toEqual({ status: 'resolved', resource: drA });
    expect(index.resolve({ reference: `Practitioner?identifier=${npi}|999` }).status).toBe('unresolved');
  });

  it('does not follow a conditional reference to a type the element does not take', () => {
    expect(index.resolve({ reference: 'Organization?identifier=org-1' }, { expectedTypes: ['Patient'] }).status).toBe('ignored');
  });
});
