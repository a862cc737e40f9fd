/**
 * Builds fhir-mappings/indications.json: for every candidate drug of medications.json, the conditions it
 * treats.
 *  1. From the data: the reasonReference / reasonCode links of the medication orders of the internal split's
 *     TRAIN patients of the three training populations of ../shared/data — never their validation or test
 *     patients (the clinical check asks the service about the test patients), never synthea-bulk-10 (the
 *     external population) —, counted per population and kept as single coded conditions (SNOMED CT /
 *     ICD-10-CM) with origin "synthea". Orders of drugs outside the vocabulary count too, under the name the
 *     product-name normaliser reads ("tramadol"), in `otherDrugs`: they may quiet a "no indication" finding.
 *  2. By hand: fhir-mappings/indications-reviewed.json (condition groups of condition-groups.json, each with
 *     a cited source, or "no indication known" with why), origin "reviewed", pending clinical review.
 *
 *   npm run build && node dist/scripts/build-indications.js
 */
import * as path from 'path';
import { knownSystem } from '../src/fhir/concepts';
import { internalPart } from '../src/dataset/splits';
import { loadPatientRecords } from '../src/fhir/load';
import type { Concept, PatientRecord } from '../src/fhir/types';
import { readJsonFile } from '../src/json-file';
import { loadConditionGroups } from '../src/medications/condition-groups';
import type { CodedCondition } from '../src/medications/condition-groups';
import { DEFAULT_INDICATIONS_FILE, validateIndications, type DrugIndications, type Indication, type IndicationsFile } from '../src/medications/indications';
import { normaliseProductName, type NameTables } from '../src/medications/normalise';
import type { MedicationVocabulary } from '../src/medications/types';
import { loadNameTables, loadVocabulary } from '../src/medications/vocabulary';
import { FHIR_MAPPINGS_DIR, SHARED_DIR } from '../src/paths';
import { writeJson } from './build-atc-table';

export const TRAINING_POPULATIONS = ['synthea-r4-615', 'synthea-stu3-1461', 'synthea-qicore-177'] as const;
export const REVIEWED_INDICATIONS_FILE = path.join(FHIR_MAPPINGS_DIR, 'indications-reviewed.json');

/** The records the table may learn from: the internal split's train patients only. */
export function trainingRecords(records: readonly PatientRecord[]): PatientRecord[] {
  return records.filter((record) => internalPart(record.patientId) === 'train');
}

/** drug name (candidate, or another drug's normalised name) → "system|code" → condition and its count per population. */
export type ReasonCounts = Map<string, Map<string, { condition: CodedCondition; counts: Record<string, number> }>>;

function codedConditionOf(concept: Concept): CodedCondition | undefined {
  for (const system of ['snomed', 'icd10cm'] as const) {
    const coding = concept.codings.find((c) => c.code?.trim() && knownSystem(c.system) === system);
    if (coding?.code) return { system, code: coding.code.trim(), display: (coding.display ?? concept.display).trim() };
  }
  return undefined;
}

/**
 * Adds the reason links of the orders of the records to `counts` under `population`: covered orders under their
 * candidate; with `nameTables`, the others under the name the normaliser reads (unreadable ones are skipped).
 */
export function countReasons(records: readonly PatientRecord[], vocabulary: MedicationVocabulary, population: string, counts: ReasonCounts, nameTables?: NameTables): void {
  for (const record of records) {
    const conditions = new Map(record.conditions.map((condition) => [condition.id, condition.concept]));
    for (const order of record.medications) {
      const covered = vocabulary.normalise(order.concept);
      const normalised = covered.covered || !nameTables ? covered : normaliseProductName(order.concept.display, { tables: nameTables });
      if (!normalised.covered) continue;
      const reasons = [...order.reasonConditionIds.map((id) => conditions.get(id)), ...order.reasonConcepts];
      const seen = new Set<string>();
      for (const reason of reasons) {
        const condition = reason && codedConditionOf(reason);
        if (!condition) continue;
        const key = `${condition.system}|${condition.code}`;
        if (seen.has(key)) continue; // an order naming one condition twice (reference and code) counts once
        seen.add(key);
        const byCondition = counts.get(normalised.candidate) ?? new Map();
        counts.set(normalised.candidate, byCondition);
        const entry = byCondition.get(key) ?? { condition, counts: {} };
        // Keep the shortest display (Synthea releases add " (disorder)"), deterministically.
        if (condition.display.length < entry.condition.display.length) entry.condition = condition;
        entry.counts[population] = (entry.counts[population] ?? 0) + 1;
        byCondition.set(key, entry);
      }
    }
  }
}

const total = (c: Record<string, number>) => Object.values(c).reduce((sum, n) => sum + n, 0);

/** A drug's data links, most frequent first. */
function linksOf(counts: ReasonCounts, name: string): { condition: CodedCondition; counts: Record<string, number> }[] {
  return [...(counts.get(name)?.values() ?? [])].sort((a, b) => total(b.counts) - total(a.counts) || a.condition.code.localeCompare(b.condition.code));
}

/** The built table: reviewed entries first (as reviewed), then the data's links by total count; other drugs apart. */
export function buildIndicationTable(candidates: readonly string[], reviewed: IndicationsFile, counts: ReasonCounts): IndicationsFile {
  const drugs: Record<string, DrugIndications> = {};
  for (const name of candidates) {
    const hand = reviewed.drugs[name];
    if (!hand) throw new Error(`indications-reviewed.json: candidate "${name}" is missing (list its indications or "noIndicationKnown")`);
    const linked = linksOf(counts, name);
    const rejection = (condition: CodedCondition) => hand.rejectedLinks?.find((link) => link.system === condition.system && link.code === condition.code);
    const fromData: Indication[] = linked
      .filter(({ condition }) => !rejection(condition))
      .map(({ condition, counts: perPopulation }) => ({ condition, origin: 'synthea', counts: perPopulation }));
    // A rejection keeps the counts of what it rejected, so a reviewer sees what the data would have said.
    const rejectedLinks = (hand.rejectedLinks ?? []).map((link) => {
      const seen = linked.find(({ condition }) => condition.system === link.system && condition.code === link.code);
      return seen ? { ...link, counts: seen.counts } : link;
    });
    const indications = [...hand.indications, ...fromData];
    drugs[name] = {
      indications,
      ...(hand.noIndicationKnown ? { noIndicationKnown: hand.noIndicationKnown } : {}),
      ...(rejectedLinks.length > 0 ? { rejectedLinks } : {}),
    };
  }
  const known = new Set(candidates);
  const otherDrugs: Record<string, { indications: Indication[] }> = {};
  for (const name of [...counts.keys()].filter((name) => !known.has(name)).sort()) {
    const indications: Indication[] = linksOf(counts, name).map(({ condition, counts: perPopulation }) => ({ condition, origin: 'synthea', counts: perPopulation }));
    if (indications.length > 0) otherDrugs[name] = { indications };
  }
  return {
    description:
      'Indications of every LAMO candidate: reviewed condition groups from cited public sources (origin "reviewed", pending clinical review) ' +
      'and the reasonReference/reasonCode links of the orders of the internal split\'s train patients of the training populations synthea-r4-615, ' +
      'synthea-stu3-1461 and synthea-qicore-177 (origin "synthea", counts per population). otherDrugs: the same links for drugs outside the ' +
      'candidates, by normalised name. Built by scripts/build-indications.ts; edit indications-reviewed.json and rebuild.',
    sources: reviewed.sources,
    drugs,
    ...(Object.keys(otherDrugs).length > 0 ? { otherDrugs } : {}),
  };
}

async function main(): Promise<void> {
  const vocabulary = loadVocabulary();
  const nameTables = loadNameTables();
  const groups = loadConditionGroups();
  const reviewed = validateIndications(readJsonFile(REVIEWED_INDICATIONS_FILE, 'reviewed indications'), groups, REVIEWED_INDICATIONS_FILE);
  const counts: ReasonCounts = new Map();
  for (const population of TRAINING_POPULATIONS) {
    const { records } = await loadPatientRecords(path.join(SHARED_DIR, 'data', population));
    const train = trainingRecords(records);
    countReasons(train, vocabulary, population, counts, nameTables);
    process.stdout.write(`${population}: ${train.length} of ${records.length} patients (internal split, train part)\n`);
  }
  const table = validateIndications(buildIndicationTable(vocabulary.candidates.map((c) => c.name), reviewed, counts), groups);
  writeJson(DEFAULT_INDICATIONS_FILE, table);
  const known = Object.values(table.drugs).filter((d) => d.indications.length > 0).length;
  process.stdout.write(`indications.json: ${Object.keys(table.drugs).length} candidates, ${known} with a known indication; ${Object.keys(table.otherDrugs ?? {}).length} other drugs with data links\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
