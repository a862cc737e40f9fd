/** Synthetic encounter examples for the evaluation's unit tests: no data set, no model. */
import type { EncounterExample, EncounterFeatures } from '../../src/dataset/examples';
import type { PromptEvidence } from '../../src/lamo/prompt';
import { medicationHistory, type MedicationHistory } from '../../src/lamo/medication-history';
import { encounter, order, record } from '../lamo/fixtures';

/** The history of a patient whose earlier visits (30 days apart, the last 30 days ago) ordered `visits`. */
export function historyOf(visits: string[][]): MedicationHistory {
  const day = (i: number) => new Date(Date.UTC(2020, 0, 1) + i * 30 * 86_400_000).toISOString();
  const encounters = visits.map((drugs, i) => encounter(`v${i}`, day(i), { medications: drugs.map((d, j) => order(`o${i}-${j}`, d, `v${i}`, day(i))) }));
  const today = encounter('today', day(visits.length));
  return medicationHistory(record([...encounters, today]), today, (concept) => concept.display);
}

/** The candidates of a test visit unless given: a small vocabulary, then the history's other drugs. */
export const TEST_VOCABULARY = ['amoxicillin', 'azithromycin', 'ibuprofen', 'lisinopril', 'metformin'];

export interface ExampleParts {
  candidates?: string[];
  features?: Partial<EncounterFeatures>;
  evidence?: Partial<PromptEvidence>;
  history?: MedicationHistory;
  population?: string;
  patient?: string;
}

export function example(id: string, labels: string[], parts: ExampleParts = {}): EncounterExample {
  const patient = parts.patient ?? id;
  const history = parts.history ?? historyOf([]);
  const candidates = parts.candidates ?? [...TEST_VOCABULARY, ...[...history.drugs.keys()].filter((d) => !TEST_VOCABULARY.includes(d)).sort()];
  return {
    population: parts.population ?? 'pop-a',
    patientKey: patient,
    encounterKey: id,
    patientId: patient,
    encounterId: id,
    date: '2020-01-01',
    prompt: {
      prefix: '',
      suffixTemplate: '{drug}.',
      template: 'withoutHistory',
      evidence: { diagnoses: [], pastHistory: [], procedures: [], medicationsOnAdmission: [], allergies: [], noteSections: [], previousDrugs: [], ...parts.evidence },
    },
    labels,
    candidates,
    uncoveredOrders: 0,
    features: { encounterTypes: [], reasons: [], conditions: [], procedures: [], previousDrugs: [], ...parts.features },
    history,
  };
}
