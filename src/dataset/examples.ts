/**
 * One example per encounter with ≥ 1 medication order: the LAMO prompt, the label set, the visit's candidate
 * set and the structured features the baselines use. Built once and shared by the dataset writer and the
 * evaluation.
 *
 * Truth is every drug ordered (issue 17 item 2), named by `drugKey` (the vocabulary's candidate, else the
 * normalised product name): a drug outside the vocabulary counts. Every method predicts from the same
 * per-visit candidate set, the vocabulary plus the drugs of the patient's own earlier orders, so that a
 * renewal of a drug outside the vocabulary is reachable and a new drug never seen is an honest miss.
 */
import { createHash } from 'crypto';
import type { Concept, EncounterView, PatientRecord } from '../fhir/types';
import type { MedicationVocabulary } from '../medications/types';
import { buildEncounterPrompt, conceptText, defaultDrugKeyOf, type BuiltPrompt } from '../lamo/prompt';
import { medicationHistory, type DrugKeyOf, type MedicationHistory } from '../lamo/medication-history';
import type { PromptTemplates } from '../lamo/types';

export interface EncounterFeatures {
  encounterClass?: string;
  encounterTypes: string[];
  reasons: string[];
  /** SNOMED / ICD codes (or display text where uncoded) of conditions diagnosed in, or active at, the encounter. */
  conditions: string[];
  procedures: string[];
  /** Drugs (drug keys) ordered at the previous visit with orders, as the medication history dates it. */
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
  /** Every drug ordered in this encounter (drug keys), in the vocabulary or not. */
  labels: string[];
  /** What every method chooses from at this visit: the vocabulary's candidates, then the patient's other
   * earlier drugs (drug keys outside the vocabulary), sorted. A label outside it cannot be predicted. */
  candidates: string[];
  /** Orders of this encounter the vocabulary does not cover (labels only a history can reach). */
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

function featuresOf(encounter: EncounterView, history: MedicationHistory): EncounterFeatures {
  return {
    encounterClass: encounter.classCode,
    encounterTypes: encounter.types.map(codeKey),
    reasons: encounter.reasons.map(codeKey),
    conditions: [...new Set([...encounter.diagnosed, ...encounter.activeConditions].map((c) => codeKey(c.concept)))],
    procedures: [...new Set(encounter.procedures.map((p) => codeKey(p.concept)))],
    previousDrugs: [...(history.visits.at(-1)?.drugs ?? [])],
  };
}

export interface ExampleStats {
  encountersWithOrders: number;
  examples: number;
  /** Encounters whose orders are all outside the vocabulary (kept: their drugs count as truth). */
  allUncovered: number;
  uncoveredOrders: number;
  /** Labels outside the visit's candidate set: drugs no method can predict there. */
  unreachableLabels: number;
  labels: number;
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
  /** How drugs are named in histories and labels (default: the vocabulary with the project's name tables). */
  drugKeyOf?: DrugKeyOf;
}

/** The visit's candidate set: the vocabulary, then the history's drugs outside it (sorted). */
export function visitCandidates(vocabulary: readonly string[], history: MedicationHistory): string[] {
  const known = new Set(vocabulary);
  return [...vocabulary, ...[...history.drugs.keys()].filter((drug) => !known.has(drug)).sort()];
}

export function buildExamples(
  records: PatientRecord[],
  templates: PromptTemplates,
  vocab: MedicationVocabulary,
  options: BuildExamplesOptions = {},
): { examples: EncounterExample[]; stats: ExampleStats } {
  const examples: EncounterExample[] = [];
  const stats: ExampleStats = { encountersWithOrders: 0, examples: 0, allUncovered: 0, uncoveredOrders: 0, unreachableLabels: 0, labels: 0 };
  const keyOf = options.drugKeyOf ?? defaultDrugKeyOf(vocab);
  const vocabulary = vocab.candidates.map((candidate) => candidate.name);
  records.forEach((record, index) => {
    for (const encounter of record.encounters) {
      if (encounter.medications.length === 0) continue;
      stats.encountersWithOrders += 1;
      const uncovered = encounter.medications.filter((order) => !vocab.normalise(order.concept).covered).length;
      stats.uncoveredOrders += uncovered;
      if (uncovered === encounter.medications.length) stats.allUncovered += 1;
      const labels = [...new Set(encounter.medications.map((order) => keyOf(order.concept)))].sort();
      const history = medicationHistory(record, encounter, keyOf);
      const candidates = visitCandidates(vocabulary, history);
      const reachable = new Set(candidates);
      stats.labels += labels.length;
      stats.unreachableLabels += labels.filter((label) => !reachable.has(label)).length;
      const example: EncounterExample = {
        population: options.population ?? '',
        patientKey: hashId(record.patientId),
        encounterKey: hashId(encounter.id),
        patientId: record.patientId,
        encounterId: encounter.id,
        date: (encounter.start ?? '').slice(0, 10),
        prompt: buildEncounterPrompt(record, encounter, templates, vocab, { drugKeyOf: keyOf, history }),
        labels,
        candidates,
        uncoveredOrders: uncovered,
        features: featuresOf(encounter, history),
        history,
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
