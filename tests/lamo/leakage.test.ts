/**
 * No label leakage, proven on the shared data: the prompt for encounter E names none of the drugs ordered
 * in E, unless the patient already had an order for that drug before E started.
 */
import * as path from 'path';
import { buildExamples } from '../../src/dataset/examples';
import { loadPatientRecords } from '../../src/fhir/load';
import type { PatientRecord } from '../../src/fhir/types';
import { drugName } from '../../src/lamo/prompt';
import { readPromptTemplates } from '../../src/lamo/templates';
import { loadVocabulary } from '../../src/medications/vocabulary';
import { SHARED_DIR } from '../../src/paths';

const vocabulary = loadVocabulary();
const templates = readPromptTemplates();

function ingredientsOf(candidate: string): string[] {
  return candidate.split(' / ');
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
    let prompt = example.prompt.prefix.toLowerCase();
    for (const n of knownNames) prompt = prompt.split(n.toLowerCase()).join(' ');
    for (const order of encounter.medications) {
      const name = drugName(order, vocabulary);
      if (knownBefore.has(name)) continue;
      checked += 1;
      const normalised = vocabulary.normalise(order.concept);
      const names = normalised.covered ? [name, ...normalised.ingredients] : [name];
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
  });
});
