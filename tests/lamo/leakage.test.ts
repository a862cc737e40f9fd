/**
 * No label leakage, proven on the shared data: the prompt for encounter E names none of the drugs ordered
 * in E, unless the patient already had an order for that drug before E started; a drug first ordered in E
 * has no history in its suffix. And the replayed prompt comes from dates, not export statuses (issue 17.2):
 * with every order's status masked, every prompt (prefix and candidate histories) is the same.
 */
import * as path from 'path';
import { buildExamples, type EncounterExample } from '../../src/dataset/examples';
import { loadPatientRecords } from '../../src/fhir/load';
import type { PatientRecord } from '../../src/fhir/types';
import { buildEncounterPrompt, drugName } from '../../src/lamo/prompt';
import { readPromptTemplates } from '../../src/lamo/templates';
import { loadVocabulary } from '../../src/medications/vocabulary';
import { SHARED_DIR } from '../../src/paths';

const vocabulary = loadVocabulary();
// The history format (recent visits, each candidate's history): what new models are trained on, and a superset
// of the shipped 2.0.0's prompt (tests/lamo/prompt-format.test.ts).
const templates = { ...readPromptTemplates(), history: true };

function ingredientsOf(candidate: string): string[] {
  return candidate.split(' / ');
}

/** The same records with every order's status (and the resource's) removed. */
function statusesMasked(records: PatientRecord[]): PatientRecord[] {
  return records.map((record) => {
    const masked = new Map(record.medications.map((order) => [order, { ...order, status: undefined, resource: { ...order.resource, status: 'unknown' as const } }]));
    return {
      ...record,
      medications: record.medications.map((order) => masked.get(order)!),
      encounters: record.encounters.map((encounter) => ({ ...encounter, medications: encounter.medications.map((order) => masked.get(order)!) })),
    };
  });
}

/** Encounter keys whose prompt changes when the orders' statuses are masked. */
function statusDependent(records: PatientRecord[]): string[] {
  const prompt = (e: EncounterExample) => JSON.stringify([e.prompt.prefix, e.prompt.suffixTemplate, e.prompt.candidateHistory, e.candidates, e.labels]);
  const asExported = new Map(buildExamples(records, templates, vocabulary).examples.map((e) => [e.encounterKey, prompt(e)]));
  const masked = buildExamples(statusesMasked(records), templates, vocabulary).examples;
  expect(masked.length).toBe(asExported.size);
  return masked.filter((e) => asExported.get(e.encounterKey) !== prompt(e)).map((e) => e.encounterKey);
}

function leaks(records: PatientRecord[]): { checked: number; leaks: string[] } {
  const { examples } = buildExamples(records, templates, vocabulary);
  const byId = new Map(records.map((r) => [r.patientId, r]));
  const found: string[] = [];
  let checked = 0;
  for (const example of examples) {
    const record = byId.get(example.patientId)!;
    const encounter = record.encounters.find((e) => e.id === example.encounterId)!;
    const start = Date.parse(encounter.start!);
    const knownBefore = new Set(
      record.medications
        .filter((o) => o.encounterId !== encounter.id && Date.parse(o.authoredOn ?? '') < start)
        .map((o) => drugName(o, vocabulary)),
    );
    // Mentions of drugs known before E are legitimate; remove them (longest names first, so that
    // "ethinyl estradiol" goes before "estradiol") and look for the newly ordered drugs in what is left.
    const knownNames = [...knownBefore].flatMap((n) => [n, ...ingredientsOf(n)]).sort((a, b) => b.length - a.length);
    // An allergy recorded before E may name the drug (a qicore-177 patient allergic to cefdinir is
    // ordered cefdinir): a fact of the record, not the order. Everything else must not name it.
    let prompt = example.prompt.prefix
      .split('\n')
      .filter((line) => !line.startsWith('Allergies: '))
      .join('\n')
      .toLowerCase();
    for (const n of knownNames) prompt = prompt.split(n.toLowerCase()).join(' ');
    for (const order of encounter.medications) {
      const name = drugName(order, vocabulary);
      if (knownBefore.has(name)) continue;
      checked += 1;
      if (Object.prototype.hasOwnProperty.call(example.prompt.candidateHistory ?? {}, name)) found.push(`${example.encounterKey}: history of ${name}`);
      const normalised = vocabulary.normalise(order.concept);
      const names = normalised.covered ? [name, ...normalised.ingredients] : [name, ...ingredientsOf(name)];
      for (const n of names) {
        if (new RegExp(`\\b${n.toLowerCase().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\b`).test(prompt)) {
          found.push(`${example.encounterKey}: ${n}`);
        }
      }
    }
  }
  return { checked, leaks: found };
}

describe('no label leakage on the shared data', () => {
  it('synthea-bulk-10 (with notes): prompts carry note sections and never name newly ordered drugs', async () => {
    const { records } = await loadPatientRecords(path.join(SHARED_DIR, 'data', 'synthea-bulk-10'));
    const result = leaks(records);
    expect(result.checked).toBeGreaterThan(50);
    expect(result.leaks).toEqual([]);
    expect(statusDependent(records)).toEqual([]);
    const { examples } = buildExamples(records, templates, vocabulary);
    const withNotes = examples.filter((e) => e.prompt.prefix.includes('History of present illness: '));
    expect(withNotes.length / examples.length).toBeGreaterThan(0.9);
    expect(examples.every((e) => !/prescribed the following/i.test(e.prompt.prefix))).toBe(true);
  });

  it.each([
    ['synthea-r4-615', 1000],
    ['synthea-stu3-1461', 500],
    ['synthea-qicore-177', 100],
  ])('%s: no prompt names a drug first ordered in its own encounter', async (population, minChecked) => {
    const { records } = await loadPatientRecords(path.join(SHARED_DIR, 'data', population));
    const result = leaks(records);
    expect(result.checked).toBeGreaterThan(minChecked);
    expect(result.leaks).toEqual([]);
    expect(statusDependent(records)).toEqual([]);
  }, 600_000);

  it('the masking is felt: a live call (statusIsCurrent) reads the statuses the replay ignores', async () => {
    const { records } = await loadPatientRecords(path.join(SHARED_DIR, 'data', 'synthea-r4-615'));
    let differing = 0;
    for (const record of records.slice(0, 120)) {
      const masked = statusesMasked([record])[0]!;
      for (const encounter of record.encounters.filter((e) => e.medications.length > 0)) {
        const live = buildEncounterPrompt(record, encounter, templates, vocabulary, { statusIsCurrent: true }).prefix;
        const liveMasked = buildEncounterPrompt(masked, masked.encounters.find((e) => e.id === encounter.id)!, templates, vocabulary, { statusIsCurrent: true }).prefix;
        if (live !== liveMasked) differing += 1;
      }
    }
    expect(differing).toBeGreaterThan(0);
  }, 600_000);
});
