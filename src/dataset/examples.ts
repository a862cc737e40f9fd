/**
 * One example per encounter with ≥ 1 covered medication order: the LAMO prompt, the label set and the
 * structured features the baselines use. Built once and shared by the dataset writer and the evaluation.
 */
import { createHash } from 'crypto';
import type { Concept, EncounterView, PatientRecord } from '../fhir/types';
import type { MedicationVocabulary } from '../medications/types';
import { buildEncounterPrompt, conceptText, drugName, previousVisit, type BuiltPrompt } from '../lamo/prompt';
import { drugKeyer, medicationHistory, type DrugKeyOf, type MedicationHistory } from '../lamo/medication-history';
import type { PromptTemplates } from '../lamo/types';
import { loadNameTables } from '../medications/vocabulary';

export interface EncounterFeatures {
  encounterClass?: string;
  encounterTypes: string[];
  reasons: string[];
  /** SNOMED / ICD codes (or display text where uncoded) of conditions diagnosed in, or active at, the encounter. */
  conditions: string[];
  procedures: string[];
  /** Candidate names ordered in the previous visit with orders. */
  previousDrugs: string[];
}

export interface EncounterExample {
  /** The population (data folder) the encounter comes from. */
  population: string;
  /** Hashed: datasets and reports never carry raw patient or encounter ids. */
  patientKey: string;
  encounterKey: string;
  /** The raw ids, for in-process use only (never written out). */
  patientId: string;
  encounterId: string;
  date: string;
  /** Whole years at the encounter's start, when birth date and start are known. */
  ageAtVisit?: number;
  /** Patient.gender as recorded. */
  sex?: string;
  prompt: BuiltPrompt;
  /** Candidate names ordered in this encounter (covered drugs only). */
  labels: string[];
  /** Orders of this encounter the vocabulary does not cover: not scorable, counted, not guessed. */
  uncoveredOrders: number;
  features: EncounterFeatures;
  /** The patient's medication history before the encounter, from dates only (regime, per-drug facts). */
  history: MedicationHistory;
}

export function hashId(id: string, salt = 'lamo-cds'): string {
  return createHash('sha256').update(`${salt}:${id}`).digest('hex').slice(0, 16);
}

function codeKey(concept: Concept): string {
  return concept.code ?? conceptText(concept);
}

function featuresOf(record: PatientRecord, encounter: EncounterView, vocab: MedicationVocabulary): EncounterFeatures {
  const previous = previousVisit(record, encounter);
  return {
    encounterClass: encounter.classCode,
    encounterTypes: encounter.types.map(codeKey),
    reasons: encounter.reasons.map(codeKey),
    conditions: [...new Set([...encounter.diagnosed, ...encounter.activeConditions].map((c) => codeKey(c.concept)))],
    procedures: [...new Set(encounter.procedures.map((p) => codeKey(p.concept)))],
    previousDrugs: previous ? [...new Set(previous.medications.map((order) => drugName(order, vocab)))] : [],
  };
}

export interface ExampleStats {
  encountersWithOrders: number;
  examples: number;
  /** Encounters whose orders were all outside the vocabulary. */
  skippedUncovered: number;
  uncoveredOrders: number;
}

/** Whole years from birth to the encounter's start; undefined when either date is missing or unreadable. */
export function ageAt(birthDate: string | undefined, at: string | undefined): number | undefined {
  if (!birthDate || !at) return undefined;
  const birth = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate);
  const visit = /^(\d{4})-(\d{2})-(\d{2})/.exec(at);
  if (!birth || !visit) return undefined;
  const [, by, bm, bd] = birth.map(Number);
  const [, vy, vm, vd] = visit.map(Number);
  const age = vy - by - (vm < bm || (vm === bm && vd < bd) ? 1 : 0);
  return age >= 0 ? age : undefined;
}

export interface BuildExamplesOptions {
  /** The population name every example carries (default ''). */
  population?: string;
  onProgress?: (done: number, total: number) => void;
  /** How drugs are named in histories (default: the vocabulary with the project's name tables). */
  drugKeyOf?: DrugKeyOf;
}

export function buildExamples(
  records: PatientRecord[],
  templates: PromptTemplates,
  vocab: MedicationVocabulary,
  options: BuildExamplesOptions = {},
): { examples: EncounterExample[]; stats: ExampleStats } {
  const examples: EncounterExample[] = [];
  const stats: ExampleStats = { encountersWithOrders: 0, examples: 0, skippedUncovered: 0, uncoveredOrders: 0 };
  const keyOf = options.drugKeyOf ?? drugKeyer(vocab, loadNameTables());
  records.forEach((record, index) => {
    for (const encounter of record.encounters) {
      if (encounter.medications.length === 0) continue;
      stats.encountersWithOrders += 1;
      const labels = new Set<string>();
      let uncovered = 0;
      for (const order of encounter.medications) {
        const normalised = vocab.normalise(order.concept);
        if (normalised.covered) labels.add(normalised.candidate);
        else uncovered += 1;
      }
      stats.uncoveredOrders += uncovered;
      if (labels.size === 0) {
        stats.skippedUncovered += 1;
        continue;
      }
      const example: EncounterExample = {
        population: options.population ?? '',
        patientKey: hashId(record.patientId),
        encounterKey: hashId(encounter.id),
        patientId: record.patientId,
        encounterId: encounter.id,
        date: (encounter.start ?? '').slice(0, 10),
        prompt: buildEncounterPrompt(record, encounter, templates, vocab),
        labels: [...labels].sort(),
        uncoveredOrders: uncovered,
        features: featuresOf(record, encounter, vocab),
        history: medicationHistory(record, encounter, keyOf),
      };
      const age = ageAt(record.birthDate, encounter.start);
      if (age !== undefined) example.ageAtVisit = age;
      if (record.gender) example.sex = record.gender;
      examples.push(example);
    }
    options.onProgress?.(index + 1, records.length);
  });
  stats.examples = examples.length;
  return { examples, stats };
}
