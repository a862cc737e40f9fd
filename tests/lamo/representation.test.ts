/**
 * One representation whatever the source (issue 8 item 3), on synthea-qicore-177, whose encounters carry
 * both structured resources and a Synthea note: the prompts built with and without the notes agree on
 * what the structured data says, and the note-built ones add note-derived sections.
 */
import * as path from 'path';
import { buildExamples, type EncounterExample } from '../../src/dataset/examples';
import { loadPatientRecords } from '../../src/fhir/load';
import type { PatientRecord } from '../../src/fhir/types';
import { readPromptTemplates } from '../../src/lamo/templates';
import { loadVocabulary } from '../../src/medications/vocabulary';
import { SHARED_DIR } from '../../src/paths';

const vocabulary = loadVocabulary();
const templates = readPromptTemplates();

let withNotes: EncounterExample[];
let withoutNotes: Map<string, EncounterExample>;

beforeAll(async () => {
  const { records } = await loadPatientRecords(path.join(SHARED_DIR, 'data', 'synthea-qicore-177'));
  const stripped: PatientRecord[] = records.map((r) => ({
    ...r,
    notes: [],
    encounters: r.encounters.map((e) => ({ ...e, notes: [] })),
  }));
  withNotes = buildExamples(records, templates, vocabulary).examples;
  withoutNotes = new Map(buildExamples(stripped, templates, vocabulary).examples.map((e) => [e.encounterKey, e]));
}, 120_000);

/** The text of one "Name: value" line of the current-condition block. */
function line(example: EncounterExample, name: string): string {
  const current = example.prompt.prefix.split('###Current Clinical Condition:')[1] ?? '';
  const found = current.split('\n').find((l) => l.startsWith(`${name}: `));
  return found === undefined ? '' : found.slice(name.length + 2).replace(/,$/, '');
}

function items(text: string): string[] {
  const inner = /^\[(.*)\]$/.exec(text)?.[1];
  return inner ? inner.split(', ') : [];
}

test('the same encounters, and the note-built prompts carry note-derived sections', () => {
  expect(withNotes.length).toBeGreaterThan(500);
  expect(withoutNotes.size).toBe(withNotes.length);
  const noted = withNotes.filter((e) => e.prompt.evidence.noteSections.includes('historyOfPresentIllness'));
  expect(noted.length / withNotes.length).toBeGreaterThan(0.9);
  for (const e of noted) expect(line(e, 'History of present illness').length).toBeGreaterThan(10);
  // Without notes there is nothing to take them from.
  for (const e of withoutNotes.values()) expect(e.prompt.evidence.noteSections).toEqual([]);
});

test('diagnoses, procedures and allergies agree; medications on admission keep every structured item', () => {
  let added = 0;
  for (const e of withNotes) {
    const plain = withoutNotes.get(e.encounterKey)!;
    expect(e.prompt.evidence.diagnoses).toEqual(plain.prompt.evidence.diagnoses);
    expect(e.prompt.evidence.procedures).toEqual(plain.prompt.evidence.procedures);
    const allergies = line(plain, 'Allergies');
    // The note fills the allergy line only where the structured data has none.
    if (allergies !== 'none recorded') expect(line(e, 'Allergies')).toBe(allergies);
    const noted = new Set(items(line(e, 'Medications on admission')));
    const structured = items(line(plain, 'Medications on admission'));
    // The note adds what the structured data lacks, in the same form (candidate names), and drops nothing.
    for (const drug of structured) expect(noted.has(drug)).toBe(true);
    added += noted.size - structured.length;
  }
  expect(added).toBeGreaterThan(0);
});

test('note medication items read like structured ones: no doses or product forms', () => {
  const doses = withNotes.filter((e) => /\d+ (mg|ml|unt)\b/i.test(line(e, 'Medications on admission')));
  expect(doses.length / withNotes.length).toBeLessThan(0.05);
});
