/** Team contract F: findings that rest on absence are not given when the data they read may be incomplete. */
import { mayBeIncomplete } from '../../src/cds/assessment';
import type { Finding } from '../../src/cds/findings';
import { partialEntries, withoutAbsenceFindings } from '../../src/cds/partial-data';
import type { CardKind } from '../../src/cds/types';

const finding = (kind: CardKind): Finding => ({
  kind,
  indicator: 'warning',
  subject: { orderId: 'o1', name: 'warfarin', label: 'Warfarin Sodium 5 MG Oral Tablet', source: 'draft' },
  summary: kind,
  phrase: kind,
  detail: '',
  overrideReasons: [],
});

test('"no indication found" needs every condition and every earlier order; an interaction does not rest on absence', () => {
  const all = [finding('unsupported-order'), finding('drug-interaction'), finding('review-unsupported'), finding('confirm-indication'), finding('allergy-conflict')];
  expect(withoutAbsenceFindings(all, new Map()).map((f) => f.kind)).toEqual(all.map((f) => f.kind));
  for (const type of ['Condition', 'MedicationRequest']) {
    expect(withoutAbsenceFindings(all, new Map([[type, '20 of 44 read']])).map((f) => f.kind)).toEqual(['drug-interaction', 'allergy-conflict']);
  }
  expect(withoutAbsenceFindings(all, new Map([['Procedure', 'not sent']])).map((f) => f.kind)).toHaveLength(5);
});

test('the card names every search cut short or failed, and of the types never sent only those a check needs, checks first', () => {
  const incomplete = new Map([
    ['Procedure', 'not sent, and the request named no FHIR server to fetch it from'],
    ['Encounter', '20 of 34 read; the next page could not be read (HTTP 500)'],
    ['AllergyIntolerance', 'not sent, and the request named no FHIR server to fetch it from'],
    ['MedicationRequest', '20 of 35 read'],
  ]);
  const entries = partialEntries(incomplete, new Set(['Procedure', 'AllergyIntolerance']));
  expect(entries.map((e) => e.name)).toEqual(['Medication orders', 'Allergies', 'Encounters']);
  expect(entries[1].misses).toBe('allergy conflicts');
  expect(mayBeIncomplete({ incomplete }, 'Condition')).toBe(false);
  expect(mayBeIncomplete({ incomplete }, 'Condition', 'MedicationRequest')).toBe(true);
});
