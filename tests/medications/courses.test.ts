/** Drugs given in courses (fhir-mappings/course-drugs.json): when an order still marked active is a finished course. */
import type { MedicationOrder } from '../../src/fhir/types';
import { loadCourseDrugs, validateCourseDrugs } from '../../src/medications/courses';

const courses = loadCourseDrugs();
const DAY = 86_400_000;
const at = Date.parse('2024-06-01T00:00:00Z');

function order(authoredOn: string, dispenseRequest?: object): MedicationOrder {
  return {
    id: 'o1',
    concept: { display: 'x', codings: [] },
    status: 'active',
    authoredOn,
    reasonConditionIds: [],
    reasonConcepts: [],
    resource: { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: {}, ...(dispenseRequest ? { dispenseRequest } : {}) },
  };
}

test('an antibacterial (J01) ordered more than a year ago, without dates of its own, is a finished course', () => {
  expect(courses.finished(order('1952-04-10T00:00:00Z'), ['J01CE02'], at)).toBe(true);
  expect(courses.finished(order(new Date(at - 400 * DAY).toISOString()), ['J01CE02'], at)).toBe(true);
  // Within the year a continuing prophylaxis is plausible: still current.
  expect(courses.finished(order(new Date(at - 200 * DAY).toISOString()), ['J01CE02'], at)).toBe(false);
});

test("the order's own supply dates decide when it has them", () => {
  const tenDays = { expectedSupplyDuration: { value: 10, unit: 'days', code: 'd' } };
  expect(courses.finished(order(new Date(at - 30 * DAY).toISOString(), tenDays), ['J01CA04'], at)).toBe(true);
  expect(courses.finished(order(new Date(at - 5 * DAY).toISOString(), tenDays), ['J01CA04'], at)).toBe(false);
  const validYears = { validityPeriod: { start: '2020-01-01', end: '2030-01-01' } };
  expect(courses.finished(order('2020-01-01T00:00:00Z', validYears), ['J01EE01'], at)).toBe(false);
});

test('an opioid order older than six months is no longer supplying the patient (no controlled-substance prescription does)', () => {
  expect(courses.finished(order(new Date(at - 200 * DAY).toISOString()), ['N02AA05'], at)).toBe(true);
  expect(courses.finished(order(new Date(at - 60 * DAY).toISOString()), ['N02AA05'], at)).toBe(false);
});

test('a chronic drug is never a finished course, however old its active order', () => {
  expect(courses.finished(order('1977-01-01T00:00:00Z'), ['C10AA01'], at)).toBe(false);
  expect(courses.finished(order('1977-01-01T00:00:00Z'), [], at)).toBe(false);
});

test('the table is checked: every class cites a listed source and has a positive age', () => {
  const file = courses.file;
  expect(() => validateCourseDrugs({ ...file, courses: [{ ...file.courses[0], finishedAfterDays: 0 }] })).toThrow(/finishedAfterDays must be a positive number/);
  expect(() => validateCourseDrugs({ ...file, courses: [{ ...file.courses[0], sources: ['nowhere'] }] })).toThrow(/must cite sources/);
});
