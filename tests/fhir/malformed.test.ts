/**
 * Malformed fields never throw: each shape seen in the wild (the CDS Hooks sandbox's single-object
 * `reasonCode`, a string where an object belongs, a missing subject, unknown code systems, STU3 shapes)
 * drops that field, is counted by resource type and field, is reported without its value, and the rest of
 * the record is assembled as it would be without the field.
 */
import type { Resource } from 'fhir/r4';
import { RXNORM_SYSTEM, SNOMED_CT_SYSTEM } from '../../src/fhir/concepts';
import { assembleRecord, assembleRecords } from '../../src/fhir/record';
import { checkShape, RESOURCE_SHAPES } from '../../src/fhir/shape';
import type { LoadSummary, PatientRecord } from '../../src/fhir/types';

/** A value that must never appear in a log line or issue: stands for patient data. */
const SECRET = 'SECRET-PATIENT-TEXT';
const snomed = (code: string, display: string) => ({ coding: [{ system: SNOMED_CT_SYSTEM, code, display }], text: display });
const warfarin = { coding: [{ system: RXNORM_SYSTEM, code: '855332', display: 'Warfarin Sodium 5 MG Oral Tablet' }] };

function baseResources(): Record<string, unknown>[] {
  return [
    { resourceType: 'Patient', id: 'p', gender: 'female', birthDate: '1940-01-01' },
    { resourceType: 'Encounter', id: 'e', status: 'in-progress', class: { code: 'AMB' }, subject: { reference: 'Patient/p' }, period: { start: '2024-01-01T10:00:00Z' } },
    { resourceType: 'Condition', id: 'afib', code: snomed('49436004', 'Atrial fibrillation'), subject: { reference: 'Patient/p' }, onsetDateTime: '2020-01-01' },
    {
      resourceType: 'MedicationRequest',
      id: 'mr',
      status: 'draft',
      intent: 'order',
      subject: { reference: 'Patient/p' },
      encounter: { reference: 'Encounter/e' },
      medicationCodeableConcept: warfarin,
      reasonReference: [{ reference: 'Condition/afib' }],
      reasonCode: [snomed('49436004', 'Atrial fibrillation')],
      category: [{ coding: [{ code: 'outpatient' }] }],
      dosageInstruction: [{ text: 'once daily' }],
      authoredOn: '2024-01-01',
    },
  ];
}

/** The base resources with `changes` applied to the resource of that id. */
function withChange(id: string, changes: Record<string, unknown>): Resource[] {
  return baseResources().map((resource) => (resource.id === id ? { ...resource, ...changes } : resource)) as unknown as Resource[];
}

function assemble(resources: Resource[]): { record: PatientRecord; summary: LoadSummary } {
  return assembleRecord(resources, { patientId: 'p' });
}

function expectNoValueInIssues(summary: LoadSummary): void {
  expect(JSON.stringify(summary.issues)).not.toContain(SECRET);
}

describe('object where an array belongs', () => {
  it('MedicationRequest.reasonCode as one object (the CDS Hooks sandbox): the field is dropped, the order kept with its reasonReference', () => {
    const { record, summary } = assemble(withChange('mr', { reasonCode: { ...snomed('49436004', SECRET) } }));
    const order = record.medications[0];
    expect(order).toMatchObject({ id: 'mr', concept: { code: '855332' }, reasonConditionIds: ['afib'], reasonConcepts: [], encounterId: 'e' });
    expect(order.resource).not.toHaveProperty('reasonCode');
    expect(summary.malformedFields).toEqual({ 'MedicationRequest.reasonCode': 1 });
    expect(summary.issues).toEqual([
      expect.objectContaining({ severity: 'warning', resourceType: 'MedicationRequest', resourceId: 'mr', message: 'malformed reasonCode (an object where an array belongs): field dropped' }),
    ]);
    expect(summary.skipped).toBe(0);
    expectNoValueInIssues(summary);
  });

  it.each([
    ['category', { coding: [{ code: SECRET }] }],
    ['dosageInstruction', { text: SECRET }],
    ['reasonReference', { reference: 'Condition/afib' }],
  ])('MedicationRequest.%s as one object is dropped, the rest of the order read', (field, value) => {
    const { record, summary } = assemble(withChange('mr', { [field]: value }));
    const order = record.medications[0];
    expect(order.concept.code).toBe('855332');
    expect(order.resource).not.toHaveProperty(field);
    expect(summary.malformedFields).toEqual({ [`MedicationRequest.${field}`]: 1 });
    expectNoValueInIssues(summary);
  });

  it('CodeableConcept.coding as one object: that coding is dropped, the text still names the condition', () => {
    const { record, summary } = assemble(withChange('afib', { code: { coding: { system: SNOMED_CT_SYSTEM, code: '49436004' }, text: 'Atrial fibrillation' } }));
    expect(record.conditions[0].concept).toEqual({ display: 'Atrial fibrillation', codings: [] });
    expect(summary.malformedFields).toEqual({ 'Condition.code.coding': 1 });
  });
});

describe('string where an object belongs, and other wrong kinds', () => {
  it('a code given as a bare string drops the code, so the condition (without a usable code) is skipped and named', () => {
    const { record, summary } = assemble(withChange('afib', { code: '49436004' }));
    expect(record.conditions).toEqual([]);
    expect(summary.malformedFields).toEqual({ 'Condition.code': 1 });
    expect(summary.issues.map((issue) => issue.message)).toEqual([
      'malformed code (a string where an object belongs): field dropped',
      'Condition without a usable code skipped',
    ]);
  });

  it('a subject given as a string is dropped: in a prefetch the resource still belongs to the patient asked about', () => {
    const { record, summary } = assemble(withChange('afib', { subject: 'Patient/p' }));
    expect(record.conditions.map((condition) => condition.id)).toEqual(['afib']);
    expect(summary.malformedFields).toEqual({ 'Condition.subject': 1 });
  });

  it('a coding system that is a number is dropped; the code stays usable', () => {
    const { record, summary } = assemble(withChange('mr', { medicationCodeableConcept: { coding: [{ system: 42, code: '855332', display: 'Warfarin' }] } }));
    expect(record.medications[0].concept).toMatchObject({ code: '855332', codings: [{ code: '855332', display: 'Warfarin' }] });
    expect(summary.malformedFields).toEqual({ 'MedicationRequest.medicationCodeableConcept.coding.system': 1 });
  });

  it('null elements in an array are dropped and counted; null fields too', () => {
    const { record, summary } = assemble(withChange('mr', { reasonReference: [null, { reference: 'Condition/afib' }], authoredOn: null }));
    expect(record.medications[0].reasonConditionIds).toEqual(['afib']);
    expect(summary.malformedFields).toEqual({ 'MedicationRequest.reasonReference': 1, 'MedicationRequest.authoredOn': 1 });
  });
});

describe('missing subject, unknown code systems, STU3 shapes', () => {
  it('a missing subject: the prefetch patient in a single-patient record, an error (no throw) among many patients', () => {
    const resources = withChange('afib', { subject: undefined });
    expect(assemble(resources).record.conditions.map((condition) => condition.id)).toEqual(['afib']);
    const { records, summary } = assembleRecords(resources);
    expect(records[0].conditions).toEqual([]);
    expect(summary.issues).toEqual([expect.objectContaining({ severity: 'error', resourceType: 'Condition', resourceId: 'afib', message: 'no subject/patient reference; skipped' })]);
  });

  it('codings of unknown systems are kept as they are, the known one preferred', () => {
    const code = { coding: [{ system: 'urn:oid:1.2.3.4', code: 'X1', display: 'local' }, { system: SNOMED_CT_SYSTEM, code: '49436004', display: 'Atrial fibrillation' }] };
    const { record, summary } = assemble(withChange('afib', { code }));
    expect(record.conditions[0].concept).toMatchObject({ system: SNOMED_CT_SYSTEM, code: '49436004' });
    expect(record.conditions[0].concept.codings).toHaveLength(2);
    expect(summary.malformedFields).toBeUndefined();
  });

  it('reads STU3 shapes without calling them malformed: string statuses, context, requester.agent, a single context.encounter', () => {
    const resources = [
      { resourceType: 'Patient', id: 'p' },
      { resourceType: 'Practitioner', id: 'dr' },
      { resourceType: 'Encounter', id: 'e', status: 'finished', subject: { reference: 'Patient/p' }, period: { start: '2017-01-01' }, reason: [snomed('1', 'Cough')] },
      { resourceType: 'Condition', id: 'c', clinicalStatus: 'active', verificationStatus: 'confirmed', code: snomed('2', 'Asthma'), subject: { reference: 'Patient/p' }, context: { reference: 'Encounter/e' }, assertedDate: '2017-01-01', abatementBoolean: true },
      { resourceType: 'MedicationRequest', id: 'm', status: 'active', intent: 'order', subject: { reference: 'Patient/p' }, context: { reference: 'Encounter/e' }, requester: { agent: { reference: 'Practitioner/dr' } }, medicationCodeableConcept: warfarin },
      { resourceType: 'DocumentReference', id: 'n', status: 'current', subject: { reference: 'Patient/p' }, indexed: '2017-01-01', context: { encounter: { reference: 'Encounter/e' } }, content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('note').toString('base64') } }] },
      { resourceType: 'AllergyIntolerance', id: 'a', clinicalStatus: 'active', verificationStatus: 'confirmed', patient: { reference: 'Patient/p' }, code: snomed('3', 'Penicillin'), assertedDate: '2016-01-01' },
    ] as unknown as Resource[];
    const { records, summary } = assembleRecords(resources);
    expect(summary.malformedFields).toBeUndefined();
    expect(summary.issues).toEqual([]);
    expect(summary.unresolvedReferences).toBe(0);
    const [record] = records;
    expect(record.encounters[0]).toMatchObject({ reasons: [{ display: 'Cough' }], diagnosed: [{ id: 'c' }], medications: [{ id: 'm' }], notes: [{ id: 'n', text: 'note' }] });
    expect(record.conditions[0]).toMatchObject({ clinicalStatus: 'active', recorded: '2017-01-01', abatedAtUnknownTime: true });
    expect(record.allergies[0]).toMatchObject({ clinicalStatus: 'active', verificationStatus: 'confirmed' });
  });
});

describe('any wrong kind in any field the record reads', () => {
  const wrongKinds: [string, unknown][] = [
    ['object', { value: SECRET }],
    ['string', SECRET],
    ['number', 7],
    ['array', [SECRET, { x: SECRET }]],
    ['null', null],
    ['boolean', true],
  ];
  const fullRecord = (): Record<string, unknown>[] => [
    ...baseResources(),
    { resourceType: 'Procedure', id: 'proc', status: 'completed', code: snomed('5', 'Echo'), subject: { reference: 'Patient/p' }, encounter: { reference: 'Encounter/e' }, performedDateTime: '2024-01-01' },
    { resourceType: 'AllergyIntolerance', id: 'al', patient: { reference: 'Patient/p' }, code: snomed('6', 'Aspirin'), category: ['medication'] },
    { resourceType: 'DocumentReference', id: 'doc', status: 'current', subject: { reference: 'Patient/p' }, context: { encounter: [{ reference: 'Encounter/e' }] }, content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('x').toString('base64') } }] },
    { resourceType: 'Organization', id: 'org', name: 'Clinic' },
  ];
  const cases = Object.entries(RESOURCE_SHAPES).flatMap(([type, fields]) =>
    Object.keys(fields).flatMap((field) => wrongKinds.map(([kind, value]) => [type, field, kind, value] as const)),
  );

  it.each(cases)('%s.%s as %s: assembly never throws, and a drop is counted without its value', (type, field, _kind, value) => {
    const resources = fullRecord().map((resource) => (resource.resourceType === type ? { ...resource, [field]: value } : resource)) as unknown as Resource[];
    let result: { record: PatientRecord; summary: LoadSummary } | undefined;
    expect(() => {
      result = assemble(resources);
    }).not.toThrow();
    const { summary } = result!;
    expectNoValueInIssues(summary);
    // The shape checks caught it: no extractor met a shape it could not read.
    expect(summary.issues.filter((issue) => /could not be read/.test(issue.message))).toEqual([]);
    const dropped = Object.keys(summary.malformedFields ?? {});
    expect(dropped.every((key) => key.startsWith(`${type}.${field}`))).toBe(true);
    // The well-formed rest of the record is still there: the patient's other resources are placed.
    if (type !== 'Patient' && type !== 'Encounter' && type !== 'Condition') expect(result!.record.conditions.map((c) => c.id)).toEqual(['afib']);
  });
});

describe('checkShape', () => {
  it('returns a well-formed resource itself, untouched; a malformed one as a copy, the input unchanged', () => {
    const good = baseResources()[3];
    expect(checkShape(good, 'MedicationRequest')).toEqual({ resource: good, problems: [] });
    expect(checkShape(good, 'MedicationRequest').resource).toBe(good);
    const bad = { ...good, reasonCode: { text: 'x' } };
    const { resource, problems } = checkShape(bad, 'MedicationRequest');
    expect(resource).not.toBe(bad);
    expect(bad.reasonCode).toEqual({ text: 'x' });
    expect(problems).toEqual([{ field: 'reasonCode', problem: 'an object where an array belongs' }]);
  });
});
