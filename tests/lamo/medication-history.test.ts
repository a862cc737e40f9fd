import type { MedicationOrder } from '../../src/fhir/types';
import {
  currentDrugs,
  drugHistory,
  drugKey,
  drugKeyer,
  medicationHistory,
  regimeOf,
  renewalRate,
} from '../../src/lamo/medication-history';
import { durationDays, supplyEnd } from '../../src/lamo/supply';
import type { NameTables } from '../../src/medications/normalise';
import { concept, encounter, fakeVocabulary, order, record } from './fixtures';

const TABLES: NameTables = { spellings: {}, brands: { epogen: ['epoetin alfa'] }, ingredientNames: {} };
const vocab = fakeVocabulary(['lisinopril', 'metformin', 'amoxicillin']);
const keyOf = drugKeyer(vocab, TABLES);

/** V1 {lisinopril, amoxicillin}, V2 {lisinopril}, V3 {lisinopril, metformin}, V4 {metformin}; today's visit after. */
function fourVisits(statuses: (string | undefined)[] = []) {
  let n = 0;
  const o = (display: string, enc: string, date: string): MedicationOrder => {
    // Statuses cycle over the orders, on the order and on its source resource alike.
    const status = statuses.length ? statuses[n % statuses.length] : 'stopped';
    n += 1;
    const made = order(`o${n}`, display, enc, date);
    return { ...made, status, resource: { ...made.resource, status: (status ?? 'unknown') as MedicationOrder['resource']['status'] } };
  };
  const encounters = [
    encounter('v1', '2020-01-01T10:00:00Z', { medications: [o('Lisinopril 10 MG Oral Tablet', 'v1', '2020-01-01T10:00:00Z'), o('Amoxicillin 500 MG Oral Capsule', 'v1', '2020-01-01T10:05:00Z')] }),
    encounter('v2', '2020-02-01T10:00:00Z', { medications: [o('Lisinopril 20 MG Oral Tablet', 'v2', '2020-02-01T10:00:00Z')] }),
    encounter('v3', '2020-03-01T10:00:00Z', { medications: [o('Lisinopril 10 MG Oral Tablet', 'v3', '2020-03-01T10:00:00Z'), o('Metformin 500 MG Oral Tablet', 'v3', '2020-03-01T10:00:00Z')] }),
    encounter('v4', '2020-04-01T10:00:00Z', { medications: [o('Metformin 500 MG Oral Tablet', 'v4', '2020-04-01T10:00:00Z')] }),
    encounter('today', '2020-04-11T10:00:00Z', { medications: [o('Metformin 500 MG Oral Tablet', 'today', '2020-04-11T10:00:00Z')] }),
    encounter('later', '2020-05-01T10:00:00Z', { medications: [o('Amoxicillin 500 MG Oral Capsule', 'later', '2020-05-01T10:00:00Z')] }),
  ];
  return record(encounters);
}

describe('drugKey', () => {
  it('is the vocabulary candidate when covered, else the normalised product name, else the lower-cased display', () => {
    expect(drugKey(concept('Lisinopril 10 MG Oral Tablet'), vocab, TABLES)).toBe('lisinopril');
    // Outside the vocabulary: a renewal of epoetin alfa is the same drug whatever the strength or brand.
    expect(drugKey(concept('1 ML Epoetin Alfa 4000 UNT/ML Injection [Epogen]'), vocab, TABLES)).toBe('epoetin alfa');
    expect(drugKey(concept('Epogen 10000 UNT/ML Injectable Solution'), vocab, TABLES)).toBe('epoetin alfa');
    expect(drugKey(concept('Oxycodone Hydrochloride 5 MG / Acetaminophen 325 MG Oral Tablet'), vocab, TABLES)).toBe('acetaminophen / oxycodone');
    expect(drugKey(concept('Study  Drug X (Blinded)'), vocab, TABLES)).toBe('study drug x (blinded)');
  });

  it('caches per concept object without changing the answer', () => {
    const c = concept('1 ML Epoetin Alfa 4000 UNT/ML Injection');
    expect(keyOf(c)).toBe('epoetin alfa');
    expect(keyOf(c)).toBe(drugKey(c, vocab, TABLES));
  });
});

describe('renewal rate and regime', () => {
  it('averages, over consecutive pairs, the share of the first visit\'s drugs ordered again at the second', () => {
    expect(renewalRate([{ drugs: ['a', 'b'] }, { drugs: ['a'] }, { drugs: ['c'] }])).toBeCloseTo(0.25, 10);
    expect(renewalRate([{ drugs: ['a'] }])).toBeUndefined();
    expect(renewalRate([])).toBeUndefined();
  });

  it('names the regime from the rate', () => {
    expect(regimeOf(undefined)).toBe('first-visit');
    expect(regimeOf(0)).toBe('no-renewals');
    expect(regimeOf(0.2)).toBe('some-renewals');
    expect(regimeOf(0.5)).toBe('renewing');
    expect(regimeOf(1)).toBe('renewing');
  });
});

describe('medicationHistory', () => {
  const patient = fourVisits();
  const today = patient.encounters[4];
  const history = medicationHistory(patient, today, keyOf);

  it('keeps only earlier visits with orders, oldest first, never the encounter\'s own or later orders', () => {
    expect(history.visits.map((v) => [v.key, v.drugs])).toEqual([
      ['v1', ['amoxicillin', 'lisinopril']],
      ['v2', ['lisinopril']],
      ['v3', ['lisinopril', 'metformin']],
      ['v4', ['metformin']],
    ]);
    expect(history.at).toBe('2020-04-11T10:00:00Z');
    expect([...history.drugs.keys()]).toEqual(['amoxicillin', 'lisinopril', 'metformin']);
    // (1/2 + 1/1 + 1/2) / 3
    expect(history.renewalRate).toBeCloseTo(2 / 3, 10);
    expect(history.regime).toBe('renewing');
  });

  it('gives each drug its own history facts', () => {
    expect(drugHistory(history, 'lisinopril')).toEqual({
      drug: 'lisinopril', visits: 3, orderedAtLastVisit: false, inLastThree: 2, streak: 0, share: 0.75,
      lastOrdered: '2020-03-01T10:00:00.000Z', daysSinceLast: 41, renewalRate: 2 / 3, renewalPairs: 3,
    });
    expect(drugHistory(history, 'metformin')).toMatchObject({ visits: 2, orderedAtLastVisit: true, inLastThree: 2, streak: 2, share: 0.5, daysSinceLast: 10, renewalRate: 1, renewalPairs: 1 });
    expect(drugHistory(history, 'amoxicillin')).toMatchObject({ visits: 1, inLastThree: 0, streak: 0, renewalRate: 0, renewalPairs: 1, daysSinceLast: 100 }); // 5 minutes short of 101 days: whole days
    expect(drugHistory(history, 'warfarin')).toEqual({ drug: 'warfarin', visits: 0, orderedAtLastVisit: false, inLastThree: 0, streak: 0, share: 0, renewalPairs: 0 });
  });

  it('never reads an order\'s status: any statuses give the same history', () => {
    for (const statuses of [['active'], ['stopped', 'active', 'completed'], ['entered-in-error', 'on-hold'], ['draft', undefined, 'cancelled', 'active']]) {
      const other = fourVisits(statuses);
      expect(other.medications.some((m) => m.status !== 'stopped')).toBe(true);
      expect(medicationHistory(other, other.encounters[4], keyOf)).toEqual(history);
    }
  });

  it('is the first-visit regime at the first and second visit with orders', () => {
    expect(medicationHistory(patient, patient.encounters[0], keyOf)).toMatchObject({ visits: [], regime: 'first-visit' });
    const second = medicationHistory(patient, patient.encounters[1], keyOf);
    expect(second.visits).toHaveLength(1);
    expect(second.regime).toBe('first-visit');
    expect(second.renewalRate).toBeUndefined();
    expect(drugHistory(second, 'lisinopril')).toMatchObject({ orderedAtLastVisit: true, streak: 1, renewalPairs: 0 });
    expect(drugHistory(second, 'lisinopril').renewalRate).toBeUndefined();
    const third = medicationHistory(patient, patient.encounters[2], keyOf);
    // {amoxicillin, lisinopril} → {lisinopril}: 1 of 2 renewed.
    expect(third.regime).toBe('renewing');
    expect(third.renewalRate).toBeCloseTo(0.5, 10);
  });

  it('places an order by its own date: undated ones at their encounter\'s start; orders without an encounter by day', () => {
    const undated = { ...order('u', 'Metformin 500 MG Oral Tablet', 'v1', ''), authoredOn: undefined };
    const loose = order('l', 'Amoxicillin 500 MG Oral Capsule', '', '2020-03-15T08:00:00Z');
    const looseSameDay = order('l2', 'Lisinopril 10 MG Oral Tablet', '', '2020-03-15T17:00:00Z');
    const nowhere = { ...order('n', 'Lisinopril 10 MG Oral Tablet', '', ''), authoredOn: undefined, encounterId: undefined };
    const sameTime = order('s', 'Amoxicillin 500 MG Oral Capsule', 'v3', '2020-04-11T10:00:00Z');
    const base = fourVisits();
    const withExtra = record(base.encounters, {
      medications: [...base.medications, undated, { ...loose, encounterId: undefined }, { ...looseSameDay, encounterId: undefined }, nowhere, sameTime],
    });
    const h = medicationHistory(withExtra, withExtra.encounters[4], keyOf);
    expect(h.visits.map((v) => [v.key, v.drugs])).toEqual([
      ['v1', ['amoxicillin', 'lisinopril', 'metformin']],
      ['v2', ['lisinopril']],
      ['v3', ['lisinopril', 'metformin']],
      ['day:2020-03-15', ['amoxicillin', 'lisinopril']],
      ['v4', ['metformin']],
    ]);
  });

  it('takes a live encounter (not in the record) by its start; without a start every dated order is earlier', () => {
    const live = medicationHistory(patient, { id: 'draft-encounter', start: '2020-03-01T12:00:00Z' }, keyOf);
    expect(live.visits.map((v) => v.key)).toEqual(['v1', 'v2', 'v3']);
    const undated = medicationHistory(patient, { id: 'draft-encounter' }, keyOf);
    expect(undated.visits).toHaveLength(6);
    expect(undated.at).toBeUndefined();
    expect(drugHistory(undated, 'metformin').daysSinceLast).toBeUndefined();
  });
});

describe('supply from dates', () => {
  const withDispense = (dispenseRequest: unknown, authoredOn = '2020-01-01T00:00:00Z'): MedicationOrder => {
    const made = order('d', 'Metformin 500 MG Oral Tablet', 'v1', authoredOn);
    return { ...made, resource: { ...made.resource, dispenseRequest } as MedicationOrder['resource'] };
  };

  it('reads durations in UCUM codes and unit words', () => {
    expect(durationDays({ value: 2, unit: 'weeks', code: 'wk' })).toBe(14);
    expect(durationDays({ value: 30, unit: 'days' })).toBe(30);
    expect(durationDays({ value: 1, code: 'mo' })).toBeCloseTo(30.4375, 6);
    expect(durationDays({ value: 3, unit: 'fortnights' })).toBeUndefined();
    expect(durationDays({ value: -1, code: 'd' })).toBeUndefined();
    expect(durationDays('14 days')).toBeUndefined();
  });

  it('ends at the validity period\'s end, else start + duration × (1 + repeats); malformed fields say nothing', () => {
    const day = (iso: string) => Date.parse(iso);
    expect(supplyEnd(withDispense({ validityPeriod: { start: '2020-01-01', end: '2020-06-30' }, expectedSupplyDuration: { value: 1, code: 'd' } }))).toBe(day('2020-06-30'));
    expect(supplyEnd(withDispense({ expectedSupplyDuration: { value: 2, code: 'wk' }, numberOfRepeatsAllowed: 1 }))).toBe(day('2020-01-29T00:00:00Z'));
    expect(supplyEnd(withDispense({ validityPeriod: { start: '2020-02-01T00:00:00Z' }, expectedSupplyDuration: { value: 10, unit: 'days' } }))).toBe(day('2020-02-11T00:00:00Z'));
    expect(supplyEnd(withDispense({ expectedSupplyDuration: { value: 'ten', code: 'd' } }))).toBeUndefined();
    expect(supplyEnd(withDispense({ validityPeriod: 'soon' }))).toBeUndefined();
    expect(supplyEnd(withDispense(undefined))).toBeUndefined();
  });

  it('gives each drug its latest supply end, and the drugs current at the encounter by dates', () => {
    const base = fourVisits();
    const long = { ...withDispense({ expectedSupplyDuration: { value: 90, code: 'd' } }, '2019-01-01T00:00:00Z'), concept: concept('Amoxicillin 500 MG Oral Capsule'), encounterId: 'old' };
    const h = medicationHistory(record(base.encounters, { medications: [...base.medications, long] }), base.encounters[4], keyOf);
    expect(drugHistory(h, 'amoxicillin').supplyUntil).toBe('2019-04-01T00:00:00.000Z');
    expect(currentDrugs(h).sort()).toEqual(['amoxicillin', 'lisinopril', 'metformin']);
    expect(currentDrugs(h, 30)).toEqual(['metformin']);
    const supplied = { ...withDispense({ validityPeriod: { end: '2020-12-31' } }, '2019-01-01T00:00:00Z'), concept: concept('Amoxicillin 500 MG Oral Capsule'), encounterId: 'old' };
    const h2 = medicationHistory(record(base.encounters, { medications: [...base.medications, supplied] }), base.encounters[4], keyOf);
    expect(currentDrugs(h2, 30).sort()).toEqual(['amoxicillin', 'metformin']);
  });
});
