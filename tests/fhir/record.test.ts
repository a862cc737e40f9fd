import type { Bundle, Resource } from 'fhir/r4';
import { RXNORM_SYSTEM, SNOMED_CT_SYSTEM } from '../../src/fhir/concepts';
import { assembleRecord, assembleRecords, FhirInputError } from '../../src/fhir/record';
import type { PatientRecord } from '../../src/fhir/types';

const b64 = (text: string, encoding: BufferEncoding = 'utf8'): string => Buffer.from(text, encoding).toString('base64');
const snomed = (code: string, display: string) => ({ coding: [{ system: SNOMED_CT_SYSTEM, code, display }] });
const rxnorm = (code: string, display: string) => ({ coding: [{ system: RXNORM_SYSTEM, code, display }], text: display });

function entry(resource: Record<string, unknown>, fullUrl?: string): { fullUrl?: string; resource: Resource } {
  return { ...(fullUrl ? { fullUrl } : {}), resource: resource as unknown as Resource };
}

function bundle(type: Bundle['type'], entries: { fullUrl?: string; resource: Resource }[]): Resource {
  return { resourceType: 'Bundle', type, entry: entries } as Bundle as Resource;
}

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0];
}

/** A Synthea-like transaction bundle: urn:uuid fullUrls that differ from the ids, so only fullUrl lookup works. */
function transactionBundle(): Resource {
  const u = (name: string) => `urn:uuid:00000000-0000-0000-0000-${name.padStart(12, '0')}`;
  return bundle('transaction', [
    entry(
      { resourceType: 'Patient', id: 'pat', birthDate: '1960-02-03', gender: 'female', name: [{ given: ['Ann', 'B'], family: 'Smith' }] },
      u('1'),
    ),
    entry({ resourceType: 'Encounter', id: 'enc-late', status: 'finished', class: { code: 'IMP' }, subject: { reference: u('1') }, period: { start: '2020-05-01T10:00:00Z' } }, u('11')),
    entry({ resourceType: 'Encounter', id: 'enc-nostart', status: 'finished', class: { code: 'AMB' }, subject: { reference: u('1') } }, u('12')),
    entry(
      {
        resourceType: 'Encounter',
        id: 'enc-early',
        status: 'finished',
        class: { code: 'AMB' },
        type: [snomed('185349003', 'Encounter for check up')],
        reasonCode: [snomed('38341003', 'Hypertension')],
        subject: { reference: u('1') },
        period: { start: '2019-01-01T09:00:00Z', end: '2019-01-01T09:30:00Z' },
      },
      u('13'),
    ),
    // Diagnosed at the early encounter, still active.
    entry(
      {
        resourceType: 'Condition',
        id: 'htn',
        clinicalStatus: { coding: [{ code: 'active' }] },
        code: snomed('38341003', 'Hypertension'),
        subject: { reference: u('1') },
        encounter: { reference: u('13') },
        onsetDateTime: '2019-01-01T09:00:00Z',
      },
      u('21'),
    ),
    // Resolved before the late encounter.
    entry(
      {
        resourceType: 'Condition',
        id: 'sinusitis',
        clinicalStatus: { coding: [{ code: 'resolved' }] },
        code: snomed('444814009', 'Viral sinusitis'),
        subject: { reference: u('1') },
        onsetDateTime: '2018-12-20T00:00:00Z',
        abatementDateTime: '2019-02-01T00:00:00Z',
      },
      u('22'),
    ),
    // Begins after the early encounter, before the late one.
    entry(
      {
        resourceType: 'Condition',
        id: 'diabetes',
        clinicalStatus: { coding: [{ code: 'active' }] },
        code: snomed('44054006', 'Diabetes mellitus type 2'),
        subject: { reference: u('1') },
        onsetDateTime: '2019-06-01T00:00:00Z',
      },
      u('23'),
    ),
    entry(
      {
        resourceType: 'Procedure',
        id: 'proc',
        status: 'completed',
        code: snomed('430193006', 'Medication reconciliation'),
        subject: { reference: u('1') },
        encounter: { reference: u('11') },
        performedPeriod: { start: '2020-05-01T10:10:00Z' },
      },
      u('31'),
    ),
    entry(
      {
        resourceType: 'MedicationRequest',
        id: 'mr-codeable',
        status: 'stopped',
        intent: 'order',
        medicationCodeableConcept: rxnorm('314076', 'lisinopril 10 MG Oral Tablet'),
        subject: { reference: u('1') },
        encounter: { reference: u('13') },
        authoredOn: '2019-01-01T09:20:00Z',
        reasonReference: [{ reference: u('21') }],
      },
      u('41'),
    ),
    entry(
      {
        resourceType: 'MedicationRequest',
        id: 'mr-contained',
        status: 'active',
        intent: 'order',
        contained: [{ resourceType: 'Medication', id: 'med1', code: rxnorm('860975', 'metformin 500 MG') }],
        medicationReference: { reference: '#med1' },
        subject: { reference: u('1') },
        encounter: { reference: u('11') },
        authoredOn: '2020-05-01T10:20:00Z',
        reasonCode: [snomed('44054006', 'Diabetes mellitus type 2')],
      },
      u('42'),
    ),
    entry(
      {
        resourceType: 'MedicationRequest',
        id: 'mr-separate',
        status: 'active',
        intent: 'order',
        medicationReference: { reference: u('51') },
        subject: { reference: u('1') },
        encounter: { reference: u('11') },
        authoredOn: '2020-05-01T10:25:00Z',
      },
      u('43'),
    ),
    entry({ resourceType: 'Medication', id: 'atorva', code: rxnorm('617312', 'atorvastatin 40 MG') }, u('51')),
    entry(
      {
        resourceType: 'AllergyIntolerance',
        id: 'allergy',
        clinicalStatus: { coding: [{ code: 'active' }] },
        verificationStatus: { coding: [{ code: 'confirmed' }] },
        category: ['medication'],
        criticality: 'high',
        code: rxnorm('7980', 'Penicillin G'),
        patient: { reference: u('1') },
        recordedDate: '2010-01-01',
      },
      u('61'),
    ),
    // An Observation: read, counted, not needed.
    entry({ resourceType: 'Observation', id: 'obs', status: 'final', code: { text: 'BP' }, subject: { reference: u('1') } }, u('71')),
  ]);
}

describe('assembleRecords from a transaction bundle (urn:uuid references)', () => {
  const { records, summary } = assembleRecords([transactionBundle()]);
  const record = only(records);

  it('resolves every reference and reports nothing', () => {
    expect(summary.unresolvedReferences).toBe(0);
    expect(summary.issues).toEqual([]);
    expect(summary.skipped).toBe(0);
    expect(summary.byType).toMatchObject({ Patient: 1, Encounter: 3, Condition: 3, Observation: 1, Medication: 1 });
    expect(summary.dropped).toBe(1);
  });

  it('takes demographics from the Patient', () => {
    expect(record).toMatchObject({ patientId: 'pat', birthDate: '1960-02-03', gender: 'female', nameParts: ['Ann', 'B', 'Smith'] });
  });

  it('orders encounters by start, those without a start last', () => {
    expect(record.encounters.map((encounter) => encounter.id)).toEqual(['enc-early', 'enc-late', 'enc-nostart']);
    expect(record.encounters[0]).toMatchObject({
      classCode: 'AMB',
      start: '2019-01-01T09:00:00Z',
      end: '2019-01-01T09:30:00Z',
      types: [{ code: '185349003' }],
      reasons: [{ code: '38341003' }],
    });
  });

  it('links diagnosed conditions and computes the conditions active at each encounter start', () => {
    const [early, late, noStart] = record.encounters;
    expect(early.diagnosed.map((c) => c.id)).toEqual(['htn']);
    expect(early.activeConditions.map((c) => c.id).sort()).toEqual(['htn', 'sinusitis']);
    expect(late.diagnosed).toEqual([]);
    expect(late.activeConditions.map((c) => c.id).sort()).toEqual(['diabetes', 'htn']);
    expect(noStart.activeConditions).toEqual([]);
    expect(record.conditions.find((c) => c.id === 'sinusitis')).toMatchObject({
      clinicalStatus: 'resolved',
      abatement: '2019-02-01T00:00:00Z',
    });
  });

  it('links procedures and medication orders to their encounters', () => {
    const [early, late] = record.encounters;
    expect(only(late.procedures)).toMatchObject({ id: 'proc', date: '2020-05-01T10:10:00Z', encounterId: 'enc-late' });
    expect(only(early.medications)).toMatchObject({
      id: 'mr-codeable',
      concept: { system: RXNORM_SYSTEM, code: '314076', display: 'lisinopril 10 MG Oral Tablet' },
      reasonConditionIds: ['htn'],
      encounterId: 'enc-early',
    });
    expect(late.medications.map((m) => [m.id, m.concept.code])).toEqual([
      ['mr-contained', '860975'],
      ['mr-separate', '617312'],
    ]);
    expect(late.medications[0].reasonConcepts[0]).toMatchObject({ code: '44054006' });
    expect(late.medications[0].resource.id).toBe('mr-contained');
    expect(record.medications).toHaveLength(3);
  });

  it('keeps allergies at patient level', () => {
    expect(only(record.allergies)).toMatchObject({
      id: 'allergy',
      concept: { code: '7980' },
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      category: ['medication'],
      criticality: 'high',
    });
  });
});

describe('reference forms: Type/id, absolute URLs with _history, searchset bundles', () => {
  it('resolves them all', () => {
    const base = 'https://ehr.example/fhir';
    const input = bundle('searchset', [
      entry({ resourceType: 'Patient', id: 'p1' }, `${base}/Patient/p1`),
      entry({ resourceType: 'Encounter', id: 'e1', status: 'finished', subject: { reference: 'Patient/p1' }, period: { start: '2021-01-01' } }, `${base}/Encounter/e1`),
      entry({
        resourceType: 'Condition',
        id: 'c1',
        code: snomed('1', 'A'),
        subject: { reference: `${base}/Patient/p1/_history/3` },
        encounter: { reference: `${base}/Encounter/e1/_history/1` },
        onsetDateTime: '2021-01-01',
      }),
      entry({
        resourceType: 'MedicationRequest',
        id: 'm1',
        status: 'active',
        intent: 'order',
        medicationReference: { reference: `${base}/Medication/med/_history/2` },
        subject: { reference: 'Patient/p1/_history/1' },
        encounter: { reference: 'Encounter/e1' },
        requester: { reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|123' },
      }),
      entry({ resourceType: 'Medication', id: 'med', code: rxnorm('197361', 'amlodipine 5 MG') }),
    ]);
    const { records, summary } = assembleRecords([input]);
    expect(summary.unresolvedReferences).toBe(0);
    expect(summary.issues).toEqual([]);
    const encounter = only(only(records).encounters);
    expect(only(encounter.diagnosed).id).toBe('c1');
    expect(only(encounter.medications).concept.code).toBe('197361');
  });
});

describe('STU3 shapes', () => {
  const resources = [
    { resourceType: 'Patient', id: 'p3', gender: 'male', birthDate: '1950' },
    { resourceType: 'Encounter', id: 'e3', status: 'finished', class: { code: 'EMER' }, subject: { reference: 'Patient/p3' }, period: { start: '2017-03-01T12:00:00Z' }, reason: [snomed('29857009', 'Chest pain')] },
    {
      resourceType: 'Condition',
      id: 'c3',
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      code: snomed('22298006', 'Myocardial infarction'),
      subject: { reference: 'Patient/p3' },
      context: { reference: 'Encounter/e3' },
      onsetDateTime: '2017-03-01T12:00:00Z',
      assertedDate: '2017-03-01',
    },
    {
      resourceType: 'Condition',
      id: 'c3-old',
      clinicalStatus: 'resolved',
      code: snomed('10509002', 'Acute bronchitis'),
      subject: { reference: 'Patient/p3' },
      onsetDateTime: '2016-01-01',
      abatementBoolean: true,
    },
    { resourceType: 'Condition', id: 'c3-error', verificationStatus: 'entered-in-error', code: snomed('1', 'x'), subject: { reference: 'Patient/p3' } },
    { resourceType: 'Procedure', id: 'pr3', status: 'completed', code: snomed('232717009', 'Coronary artery bypass'), subject: { reference: 'Patient/p3' }, context: { reference: 'Encounter/e3' }, performedDateTime: '2017-03-01T14:00:00Z' },
    { resourceType: 'MedicationRequest', id: 'm3', status: 'active', intent: 'order', medicationCodeableConcept: rxnorm('243670', 'aspirin 81 MG'), subject: { reference: 'Patient/p3' }, context: { reference: 'Encounter/e3' }, authoredOn: '2017-03-01' },
    {
      resourceType: 'DocumentReference',
      id: 'd3',
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '34117-2' }] },
      subject: { reference: 'Patient/p3' },
      indexed: '2017-03-01T15:00:00Z',
      content: [{ attachment: { contentType: 'text/plain', url: 'Binary/b3' } }],
      context: { encounter: { reference: 'Encounter/e3' } },
    },
    { resourceType: 'Binary', id: 'b3', contentType: 'text/plain', content: b64('STU3 note text') },
    { resourceType: 'AllergyIntolerance', id: 'a3', clinicalStatus: 'active', verificationStatus: 'confirmed', code: rxnorm('1191', 'Aspirin'), patient: { reference: 'Patient/p3' }, assertedDate: '2001-01-01' },
  ] as unknown as Resource[];

  const { record, summary } = assembleRecord(resources);

  it('reads context, string statuses, assertedDate, indexed and Binary.content', () => {
    expect(summary.unresolvedReferences).toBe(0);
    expect(summary.issues).toEqual([]);
    const encounter = only(record.encounters);
    expect(encounter).toMatchObject({ classCode: 'EMER', reasons: [{ code: '29857009' }] });
    expect(only(encounter.diagnosed)).toMatchObject({ id: 'c3', clinicalStatus: 'active', recorded: '2017-03-01', encounterId: 'e3' });
    expect(only(encounter.procedures).id).toBe('pr3');
    expect(only(encounter.medications).concept.code).toBe('243670');
    expect(only(encounter.notes)).toMatchObject({ id: 'd3', text: 'STU3 note text', date: '2017-03-01T15:00:00Z' });
    expect(only(record.allergies)).toMatchObject({ clinicalStatus: 'active', verificationStatus: 'confirmed', recorded: '2001-01-01' });
  });

  it('treats abatementBoolean as ended and skips entered-in-error', () => {
    expect(only(record.encounters).activeConditions.map((c) => c.id)).toEqual(['c3']);
    expect(record.conditions.map((c) => c.id).sort()).toEqual(['c3', 'c3-old']);
    expect(summary.skipped).toBe(1);
  });
});

describe('notes', () => {
  const patient = { resourceType: 'Patient', id: 'pn' };
  const encounter = { resourceType: 'Encounter', id: 'en', status: 'finished', subject: { reference: 'Patient/pn' }, period: { start: '2022-01-01' } };
  const doc = (id: string, attachments: Record<string, unknown>[]) => ({
    resourceType: 'DocumentReference',
    id,
    status: 'current',
    subject: { reference: 'Patient/pn' },
    date: '2022-01-01T01:00:00Z',
    content: attachments.map((attachment) => ({ attachment })),
    context: { encounter: [{ reference: 'Encounter/en' }] },
  });

  function notesOf(resources: Record<string, unknown>[]): { record: PatientRecord; summary: ReturnType<typeof assembleRecord>['summary'] } {
    return assembleRecord([patient, encounter, ...resources] as unknown as Resource[]);
  }

  it('decodes HTML in latin1, and prefers text/plain over HTML when both are given', () => {
    const { record, summary } = notesOf([
      doc('html', [{ contentType: 'text/html; charset=iso-8859-1', data: b64('<p>Fièvre &amp; toux</p><p>Müller</p>', 'latin1') }]),
      doc('both', [
        { contentType: 'text/html', data: b64('<b>html version</b>') },
        { contentType: 'text/plain', data: b64('plain version') },
      ]),
    ]);
    expect(summary.issues).toEqual([]);
    const texts = Object.fromEntries(record.encounters[0].notes.map((note) => [note.id, note.text]));
    expect(texts).toEqual({ html: 'Fièvre & toux\nMüller', both: 'plain version' });
  });

  it('follows attachment.url to a Binary by Type/id, absolute URL, urn:uuid or contained #id', () => {
    const binary = (id: string, text: string, contentType = 'text/plain') => ({ resourceType: 'Binary', id, contentType, data: b64(text) });
    const { record, summary } = assembleRecord([
      patient,
      encounter,
      doc('rel', [{ contentType: 'text/plain', url: 'Binary/b1' }]),
      doc('abs', [{ contentType: 'text/html', url: 'https://ehr.example/fhir/Binary/b2' }]),
      bundle('collection', [entry(doc('urn', [{ url: 'urn:uuid:b3' }])), entry(binary('b3', 'from urn', 'text/plain'), 'urn:uuid:b3')]),
      { ...doc('contained', [{ contentType: 'text/plain', url: '#inner' }]), contained: [binary('inner', 'contained text')] },
      binary('b1', 'relative text'),
      binary('b2', '<div>absolute <i>html</i></div>', 'text/html'),
    ] as unknown as Resource[]);
    expect(summary.issues).toEqual([]);
    expect(summary.unresolvedReferences).toBe(0);
    const texts = Object.fromEntries(record.notes.map((note) => [note.id, note.text]));
    expect(texts).toEqual({ rel: 'relative text', abs: 'absolute html', urn: 'from urn', contained: 'contained text' });
    expect(record.encounters[0].notes).toHaveLength(4);
  });

  it('reports invalid base64, a dangling Binary and unsupported content, and keeps the rest', () => {
    const { record, summary } = notesOf([
      doc('bad64', [{ contentType: 'text/plain', data: 'not*base64!' }]),
      doc('nobinary', [{ contentType: 'text/plain', url: 'Binary/missing' }]),
      doc('pdf', [{ contentType: 'application/pdf', data: b64('%PDF') }]),
      doc('good', [{ contentType: 'text/plain', data: b64('fine') }]),
    ]);
    expect(record.notes.map((note) => note.id)).toEqual(['good']);
    expect(summary.skipped).toBe(3);
    expect(summary.unresolvedReferences).toBe(1);
    const byId = Object.fromEntries(summary.issues.map((issue) => [issue.resourceId, issue]));
    expect(byId.bad64).toMatchObject({ severity: 'error', resourceType: 'DocumentReference', message: expect.stringMatching(/invalid base64/) });
    expect(byId.nobinary.message).toMatch(/Binary\/missing/);
    expect(byId.pdf.message).toMatch(/application\/pdf/);
  });

  it('caps a very long note and records a warning', () => {
    const { record, summary } = assembleRecord([patient, encounter, doc('long', [{ contentType: 'text/plain', data: b64('y'.repeat(3000)) }])] as unknown as Resource[], {
      noteTextLimit: 1000,
    });
    expect(record.notes[0].text).toHaveLength(1000);
    expect(only(summary.issues)).toMatchObject({ severity: 'warning', resourceId: 'long', message: expect.stringMatching(/truncated/) });
  });
});

describe('CDS prefetch: one patient', () => {
  const prefetch = [
    bundle('searchset', [
      entry({ resourceType: 'Encounter', id: 'ce', status: 'in-progress', subject: { reference: 'Patient/cds-pat' }, period: { start: '2024-01-01T08:00:00Z' } }),
    ]),
    bundle('searchset', [
      entry({ resourceType: 'Condition', id: 'cc', code: snomed('38341003', 'Hypertension'), subject: { reference: 'Patient/cds-pat' }, onsetDateTime: '2020-01-01' }),
      entry({ resourceType: 'Condition', id: 'other', code: snomed('1', 'x'), subject: { reference: 'Patient/someone-else' } }),
    ]),
    { resourceType: 'MedicationRequest', id: 'draft', status: 'draft', intent: 'proposal', medicationCodeableConcept: rxnorm('314076', 'lisinopril'), subject: { reference: 'Patient/cds-pat' }, encounter: { reference: 'Encounter/ce' } },
  ] as unknown as Resource[];

  it('works without a Patient resource when patientId is given', () => {
    const { record, summary } = assembleRecord(prefetch, { patientId: 'cds-pat' });
    expect(record.patientId).toBe('cds-pat');
    const encounter = only(record.encounters);
    expect(encounter.activeConditions.map((c) => c.id)).toEqual(['cc']);
    expect(only(encounter.medications).id).toBe('draft');
    // The Condition of another patient is left out, and said so.
    expect(record.conditions.map((c) => c.id)).toEqual(['cc']);
    expect(summary.unresolvedReferences).toBe(1);
    expect(only(summary.issues)).toMatchObject({ resourceType: 'Condition', resourceId: 'other', message: expect.stringMatching(/Patient\/someone-else/) });
  });

  it('refuses to guess the patient when there is neither a Patient nor a patientId', () => {
    expect(() => assembleRecord(prefetch)).toThrow(FhirInputError);
    expect(() => assembleRecord(prefetch)).toThrow(/no Patient resource and no patientId/);
  });
});

describe('problems are reported, never guessed', () => {
  it('reports dangling references, duplicates and missing medications', () => {
    const { records, summary } = assembleRecords([
      { resourceType: 'Patient', id: 'p' },
      { resourceType: 'Patient', id: 'p', gender: 'male' },
      { resourceType: 'Encounter', subject: { reference: 'Patient/p' } },
      { resourceType: 'Condition', id: 'c', code: snomed('1', 'x'), subject: { reference: 'Patient/p' }, encounter: { reference: 'Encounter/gone' } },
      { resourceType: 'Procedure', id: 'orphan', code: snomed('2', 'y'), subject: { reference: 'Patient/nobody' } },
      { resourceType: 'MedicationRequest', id: 'm', status: 'active', intent: 'order', subject: { reference: 'Patient/p' }, medicationReference: { reference: 'Medication/gone' } },
      { resourceType: 'Widget', id: 'w' },
    ] as unknown as Resource[]);
    const record = only(records);
    expect(record.gender).toBeUndefined(); // the first Patient is kept
    expect(only(record.conditions)).not.toHaveProperty('encounterId');
    expect(record.procedures).toEqual([]);
    expect(record.medications).toEqual([]);
    expect(summary.unresolvedReferences).toBe(3);
    const messages = summary.issues.map((issue) => `${issue.resourceType}/${issue.resourceId ?? '-'}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Patient\/p: duplicate/),
        expect.stringMatching(/^Condition\/c: encounter: dangling reference Encounter\/gone/),
        expect.stringMatching(/^Procedure\/orphan: dangling reference Patient\/nobody/),
        expect.stringMatching(/^MedicationRequest\/m: medication dangling reference Medication\/gone/),
        expect.stringMatching(/^Widget\/w: unknown resource type 'Widget'/),
      ]),
    );
    expect(summary.skipped).toBe(4);
    // The id-less Encounter is kept under a synthetic id, linked to its patient.
    expect(only(record.encounters).id).toMatch(/^synthetic-/);
  });
});
